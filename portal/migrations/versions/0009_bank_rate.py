"""bank rate slot: one row per bank holding when its next API call may go, shared by every
worker so that together they keep to the bank's rate limit

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 09:00:00.000000
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'bank_rate_slot',
        sa.Column('bank_code', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column('next_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('bank_code'),
    )


def downgrade() -> None:
    op.drop_table('bank_rate_slot')
