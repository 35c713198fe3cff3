"""api: tokens per office, the statement change feed (a table written by triggers on
statement and book_line, so every code path that changes a statement is in it), webhook
endpoints and their deliveries

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 12:10:00.000000
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


# What a client of the feed sees of a statement; a change of anything else is not news.
WATCHED = ("transaction_date", "value_date", "amount", "description", "balance_after", "memo")

SQLITE_TRIGGERS = [
    """CREATE TRIGGER statement_feed_insert AFTER INSERT ON statement BEGIN
         INSERT INTO statement_change (office_id, account_id, statement_id, kind, txid)
         VALUES (NEW.office_id, NEW.account_id, NEW.id, 'added', 0); END""",
    f"""CREATE TRIGGER statement_feed_update AFTER UPDATE OF {", ".join(WATCHED)} ON statement
         WHEN {" OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in WATCHED)} BEGIN
         INSERT INTO statement_change (office_id, account_id, statement_id, kind, txid)
         VALUES (NEW.office_id, NEW.account_id, NEW.id, 'modified', 0); END""",
    """CREATE TRIGGER statement_feed_delete AFTER DELETE ON statement BEGIN
         INSERT INTO statement_change (office_id, account_id, statement_id, kind, txid)
         VALUES (OLD.office_id, OLD.account_id, OLD.id, 'removed', 0); END""",
    """CREATE TRIGGER book_line_feed_insert AFTER INSERT ON book_line
         WHEN NEW.statement_id IS NOT NULL BEGIN
         INSERT INTO statement_change (office_id, account_id, statement_id, kind, txid)
         SELECT office_id, account_id, id, 'modified', 0 FROM statement WHERE id = NEW.statement_id;
         END""",
    """CREATE TRIGGER book_line_feed_delete AFTER DELETE ON book_line
         WHEN OLD.statement_id IS NOT NULL BEGIN
         INSERT INTO statement_change (office_id, account_id, statement_id, kind, txid)
         SELECT office_id, account_id, id, 'modified', 0 FROM statement WHERE id = OLD.statement_id;
         END""",
    """CREATE TRIGGER book_line_feed_update AFTER UPDATE OF statement_id ON book_line
         WHEN OLD.statement_id IS NOT NEW.statement_id BEGIN
         INSERT INTO statement_change (office_id, account_id, statement_id, kind, txid)
         SELECT office_id, account_id, id, 'modified', 0 FROM statement
         WHERE id IN (OLD.statement_id, NEW.statement_id); END""",
]

# PostgreSQL: one set-based insert per statement (transition tables), so a sync page of 500
# rows writes its changes in one go; each change carries its transaction's id, by which the
# feed orders and below which every transaction has ended.
PG_TXID = "pg_current_xact_id()::text::bigint"
POSTGRES_TRIGGERS = [
    f"""CREATE FUNCTION statement_feed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO statement_change (office_id, account_id, statement_id, kind, txid)
        SELECT office_id, account_id, id, 'added', {PG_TXID} FROM new_rows;
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO statement_change (office_id, account_id, statement_id, kind, txid)
        SELECT office_id, account_id, id, 'removed', {PG_TXID} FROM old_rows;
      ELSE
        INSERT INTO statement_change (office_id, account_id, statement_id, kind, txid)
        SELECT n.office_id, n.account_id, n.id, 'modified', {PG_TXID}
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE ({", ".join(f"n.{c}" for c in WATCHED)}) IS DISTINCT FROM
              ({", ".join(f"o.{c}" for c in WATCHED)});
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER statement_feed_insert AFTER INSERT ON statement
       REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_feed()""",
    """CREATE TRIGGER statement_feed_update AFTER UPDATE ON statement
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION statement_feed()""",
    """CREATE TRIGGER statement_feed_delete AFTER DELETE ON statement
       REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_feed()""",
    f"""CREATE FUNCTION book_line_feed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO statement_change (office_id, account_id, statement_id, kind, txid)
      SELECT office_id, account_id, id, 'modified', {PG_TXID} FROM statement
      WHERE id IN (CASE WHEN TG_OP <> 'DELETE' THEN NEW.statement_id END,
                   CASE WHEN TG_OP <> 'INSERT' THEN OLD.statement_id END);
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER book_line_feed AFTER INSERT OR DELETE OR UPDATE OF statement_id ON book_line
       FOR EACH ROW EXECUTE FUNCTION book_line_feed()""",
]
DROP_SQLITE = [f"DROP TRIGGER IF EXISTS {t}" for t in (
    "statement_feed_insert", "statement_feed_update", "statement_feed_delete",
    "book_line_feed_insert", "book_line_feed_delete", "book_line_feed_update")]
DROP_POSTGRES = ["DROP TRIGGER IF EXISTS statement_feed_insert ON statement",
                 "DROP TRIGGER IF EXISTS statement_feed_update ON statement",
                 "DROP TRIGGER IF EXISTS statement_feed_delete ON statement",
                 "DROP TRIGGER IF EXISTS book_line_feed ON book_line",
                 "DROP FUNCTION IF EXISTS statement_feed()", "DROP FUNCTION IF EXISTS book_line_feed()"]


def _run(statements) -> None:
    for sql in statements:
        op.execute(sql)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table('statement_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('txid', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('statement_change', schema=None) as batch_op:
        batch_op.create_index('ix_statement_change_office_order', ['office_id', 'txid', 'id'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('scopes', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_office_id'), ['office_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_token_token_hash'), ['token_hash'], unique=True)

    op.create_table('webhook_endpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('events', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('secret_enc', sa.LargeBinary(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('disabled_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('failure_streak', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('webhook_endpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_endpoint_office_id'), ['office_id'], unique=False)

    op.create_table('webhook_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('endpoint_id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('event_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('claimed_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('response_ms', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('delivered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoint.id'], ),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('endpoint_id', 'event_id')
    )
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_delivery_due', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_webhook_delivery_endpoint', ['endpoint_id', 'id'], unique=False)
    if not _postgres():
        # AUTOINCREMENT: a deleted newest statement's id is never given again (the feed names
        # statements by id). SQLite cannot alter that: the table is copied, before the triggers.
        with op.batch_alter_table("statement", recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}):
            pass
    _run(POSTGRES_TRIGGERS if _postgres() else SQLITE_TRIGGERS)
    # The statements kept so far are where every feed starts: one 'added' each, in id order.
    op.execute("INSERT INTO statement_change (office_id, account_id, statement_id, kind, txid) "
               "SELECT office_id, account_id, id, 'added', 0 FROM statement ORDER BY id")


def downgrade() -> None:
    _run(DROP_POSTGRES if _postgres() else DROP_SQLITE)
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_delivery_endpoint')
        batch_op.drop_index('ix_webhook_delivery_due')

    op.drop_table('webhook_delivery')
    with op.batch_alter_table('webhook_endpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_endpoint_office_id'))

    op.drop_table('webhook_endpoint')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_token_hash'))
        batch_op.drop_index(batch_op.f('ix_api_token_office_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('statement_change', schema=None) as batch_op:
        batch_op.drop_index('ix_statement_change_office_order')

    op.drop_table('statement_change')
