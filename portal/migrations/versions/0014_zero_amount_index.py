"""statement: a partial index of the 0-yen rows, so 残高照合 can leave them out of a month's
statements to book (nothing to book in them, as the inbox already says) without reading the
account's ledger

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 14:20:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_statement_zero", "statement", ["account_id", "transaction_date"],
                    sqlite_where=sa.text("amount = 0"), postgresql_where=sa.text("amount = 0"))


def downgrade() -> None:
    op.drop_index("ix_statement_zero", table_name="statement")
