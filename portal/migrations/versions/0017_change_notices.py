"""PostgreSQL: a notice on channel tsunagu_change when what a signed-in request or the home
page's poll reads changes (portal/listen_cache.py): "o:<office>" for an account's sync
figures or its runs, "u:<user>" for a user or their memberships, "f:<office>" for an
office's settings. Sent by triggers, so every writer tells, whatever its code path;
PostgreSQL delivers them at commit. SQLite has no notices: nothing to do there.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 01:00:00.000000
"""
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# table, notice kind, the column the notice names, the columns whose change is told
_TOLD = (
    ("account", "o", "office_id", ("office_id", "sync_state", "sync_error_code", "balance")),
    ("sync_run", "o", "office_id", ("office_id", "account_id", "state", "fetched", "attempts",
                                    "next_attempt_at", "error_code", "date_from")),
    ("user", "u", "id", ("email", "locale", "session_version", "totp_enabled_at")),
    ("membership", "u", "user_id", ("user_id", "office_id", "role")),
    ("office", "f", "id", ("require_two_factor",)),
)

_FUNCTION = """
CREATE FUNCTION tsunagu_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tsunagu_change', TG_ARGV[0] || ':' ||
        (to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END) ->> TG_ARGV[1]));
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION)
    for table, kind, column, told in _TOLD:
        args = f"'{kind}', '{column}'"
        op.execute(f'CREATE TRIGGER tsunagu_change_{table}_row AFTER INSERT OR DELETE ON "{table}" '
                   f"FOR EACH ROW EXECUTE FUNCTION tsunagu_notify_change({args})")
        old = ", ".join(f'OLD."{c}"' for c in told)
        new = ", ".join(f'NEW."{c}"' for c in told)
        # Only a change to what the reads show: a sync's other updates tell nobody.
        op.execute(f'CREATE TRIGGER tsunagu_change_{table}_update AFTER UPDATE ON "{table}" '
                   f"FOR EACH ROW WHEN (ROW({old}) IS DISTINCT FROM ROW({new})) "
                   f"EXECUTE FUNCTION tsunagu_notify_change({args})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, *_ in _TOLD:
        op.execute(f'DROP TRIGGER tsunagu_change_{table}_row ON "{table}"')
        op.execute(f'DROP TRIGGER tsunagu_change_{table}_update ON "{table}"')
    op.execute("DROP FUNCTION tsunagu_notify_change()")
