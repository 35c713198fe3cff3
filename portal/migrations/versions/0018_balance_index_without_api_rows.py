"""statement: ix_statement_balance leaves out rows from the bank's API. Only an account
without an API looks up its latest balance there (an API account's balance is the bank's),
and such an account holds no API rows; a sync's insert now writes one index less per row

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 02:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

BEFORE = "balance_after IS NOT NULL"
AFTER = "balance_after IS NOT NULL AND source <> 'api'"


def _index(where: str) -> None:
    op.drop_index("ix_statement_balance", table_name="statement")
    op.create_index("ix_statement_balance", "statement", ["account_id", "transaction_date", "id"],
                    sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def upgrade() -> None:
    _index(AFTER)


def downgrade() -> None:
    _index(BEFORE)
