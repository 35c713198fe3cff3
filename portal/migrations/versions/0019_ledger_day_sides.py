"""ledger_day: per day, the rows the bank's API sent and the file rows an API key also names
(count and sum of each), kept as rows are written, so that a switched account's check of
its overlap reads a row per day instead of every statement of it; existing days are filled
in here

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 13:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

COLUMNS = (("api_rows", sa.Integer()), ("api_sum", sa.BigInteger()),
           ("linked_rows", sa.Integer()), ("linked_sum", sa.BigInteger()))

# Per account and day: the bank's rows; the other rows that an "api:" alias names.
_API = ("SELECT account_id, transaction_date, count(*), sum(amount) FROM statement "
        "WHERE source = 'api' GROUP BY account_id, transaction_date")
_LINKED = ("SELECT account_id, transaction_date, count(*), sum(amount) FROM statement "
           "WHERE source <> 'api' AND EXISTS (SELECT 1 FROM statement_alias "
           "WHERE statement_alias.statement_id = statement.id "
           "AND substr(statement_alias.dedupe_key, 1, 4) = 'api:') "
           "GROUP BY account_id, transaction_date")


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("ledger_day", sa.Column(name, kind, nullable=False, server_default="0"))
    bind = op.get_bind()
    for query, rows, total in ((_API, "api_rows", "api_sum"),
                               (_LINKED, "linked_rows", "linked_sum")):
        # The day as the driver gave it (SQLite: its ISO text, as ledger_day holds it).
        found = [{"a": a, "d": d, "n": n, "t": t} for a, d, n, t in bind.execute(sa.text(query))]
        if found:
            bind.execute(sa.text(f"UPDATE ledger_day SET {rows} = :n, {total} = :t "
                                 "WHERE account_id = :a AND day = :d"), found)


def downgrade() -> None:
    with op.batch_alter_table("ledger_day", schema=None) as batch_op:
        for name, _kind in reversed(COLUMNS):
            batch_op.drop_column(name)
