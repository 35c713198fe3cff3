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

# Each day's figures counted by the database, in place (nothing held in this process however
# many days there are): the bank's rows; the other rows an "api:" alias names, only on the
# accounts that have such an alias.
_API = ("UPDATE ledger_day SET (api_rows, api_sum) = (SELECT count(*), coalesce(sum(amount), 0) "
        "FROM statement WHERE statement.account_id = ledger_day.account_id "
        "AND statement.transaction_date = ledger_day.day AND statement.source = 'api')")
_LINKED = ("UPDATE ledger_day SET (linked_rows, linked_sum) = (SELECT count(*), "
           "coalesce(sum(amount), 0) FROM statement WHERE statement.account_id = ledger_day.account_id "
           "AND statement.transaction_date = ledger_day.day AND statement.source <> 'api' "
           "AND EXISTS (SELECT 1 FROM statement_alias WHERE statement_alias.statement_id = statement.id "
           "AND substr(statement_alias.dedupe_key, 1, 4) = 'api:')) "
           "WHERE ledger_day.account_id IN (SELECT account_id FROM statement_alias "
           "WHERE substr(dedupe_key, 1, 4) = 'api:')")


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("ledger_day", sa.Column(name, kind, nullable=False, server_default="0"))
    op.execute(_API)
    op.execute(_LINKED)


def downgrade() -> None:
    with op.batch_alter_table("ledger_day", schema=None) as batch_op:
        for name, _kind in reversed(COLUMNS):
            batch_op.drop_column(name)
