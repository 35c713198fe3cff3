"""sessions that really end: the user's session version; pending consents kept server-side

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0',
                                      nullable=False))

    op.create_table('pending_consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=True),
    sa.Column('bank_code', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('code_verifier', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pending_consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_consent_state_hash'), ['state_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_pending_consent_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_consent_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pending_consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_consent_created_at'))
        batch_op.drop_index(batch_op.f('ix_pending_consent_user_id'))
        batch_op.drop_index(batch_op.f('ix_pending_consent_state_hash'))
    op.drop_table('pending_consent')

    if op.get_bind().dialect.name == "sqlite":
        # SQLite (3.35+) drops the column in place; batch mode would copy `user`, which other
        # tables point at, and its copy would open a transaction that keeps 0004's downgrade
        # from switching foreign keys off.
        op.execute('ALTER TABLE "user" DROP COLUMN session_version')
    else:
        op.drop_column('user', 'session_version')
