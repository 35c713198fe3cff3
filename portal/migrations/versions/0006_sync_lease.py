"""sync runs survive a dead worker: a lease (owner, expiry) and the page cursor to resume from

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

COLUMNS = ('lease_owner', 'lease_expires_at', 'resume_cursor', 'resumes')


def upgrade() -> None:
    with op.batch_alter_table('sync_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_owner', sqlmodel.sql.sqltypes.AutoString(length=80),
                                      nullable=True))
        batch_op.add_column(sa.Column('lease_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('resume_cursor', sqlmodel.sql.sqltypes.AutoString(length=500),
                                      nullable=True))
        batch_op.add_column(sa.Column('resumes', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_sync_run_lease', ['state', 'lease_expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sync_run', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_run_lease')
    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite 3.35+), as 0005 does: a batch copy of sync_run, which statements
        # point at, would need foreign keys switched off.
        for column in COLUMNS:
            op.execute(f'ALTER TABLE sync_run DROP COLUMN {column}')
    else:
        for column in COLUMNS:
            op.drop_column('sync_run', column)
