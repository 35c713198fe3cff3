"""statement: the rule preview's index on (office_id, description_norm) keeps a text's rows
in id order, with amount after the id, so a new row goes in at the end of its text's range
instead of at a random place among that text's amounts (on SQLite that insert cost more
than any other index of the table); a preview's count still reads the index alone

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 16:20:00.000000
"""
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_statement_office_norm", table_name="statement")
    op.create_index("ix_statement_office_norm", "statement",
                    ["office_id", "description_norm", "id", "amount"])


def downgrade() -> None:
    op.drop_index("ix_statement_office_norm", table_name="statement")
    op.create_index("ix_statement_office_norm", "statement",
                    ["office_id", "description_norm", "amount"])
