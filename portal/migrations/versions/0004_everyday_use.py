"""everyday use: statement memos, import batches, opening balances, carried balances

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:00:00.000000

Columns are only added (ALTER TABLE ADD COLUMN), never by copying a table: on SQLite a
copied `statement` would have to be dropped while statement_alias rows point at it.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BALANCE_WHERE = "balance_after IS NOT NULL"


def upgrade() -> None:
    op.create_table('statement_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('layout', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('held', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('undone_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('statement_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_import_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_import_office_id'), ['office_id'], unique=False)

    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opening_balance', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('opening_balance_date', sa.Date(), nullable=True))

    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('balance_derived', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('memo', sqlmodel.sql.sqltypes.AutoString(length=500), server_default='', nullable=False))
        batch_op.create_index('ix_statement_balance', ['account_id', 'transaction_date', 'id'], unique=False,
                              sqlite_where=sa.text(BALANCE_WHERE), postgresql_where=sa.text(BALANCE_WHERE))
        batch_op.create_index('ix_statement_derived', ['account_id', 'transaction_date', 'id'], unique=False,
                              sqlite_where=sa.text("balance_derived = 1"),
                              postgresql_where=sa.text("balance_derived = true"))

    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference in place; batch mode would copy the table.
        op.execute("ALTER TABLE statement ADD COLUMN import_id INTEGER REFERENCES statement_import (id)")
    else:
        op.add_column('statement', sa.Column('import_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_statement_import_id', 'statement', 'statement_import',
                              ['import_id'], ['id'])
    op.create_index(op.f('ix_statement_import_id'), 'statement', ['import_id'], unique=False)

    # Manual entries made without 残高 so far: their balance is carried from now on.
    op.execute("UPDATE statement SET balance_derived = true "
               "WHERE source = 'manual' AND balance_after IS NULL")
    # Accounts without an API showed no balance: take it from their latest statement carrying one.
    latest = ("FROM statement s WHERE s.account_id = account.id AND s.balance_after IS NOT NULL "
              "ORDER BY s.transaction_date DESC, s.id DESC LIMIT 1")
    op.execute(f"UPDATE account SET balance = (SELECT s.balance_after {latest}), "
               f"balance_date = (SELECT s.transaction_date {latest}) "
               "WHERE sync_method <> 'api' AND balance IS NULL")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # Batch mode copies `statement` and drops the old table, which statement_alias rows
        # point at until the copy takes its name (SQLite's own recipe for altering a table).
        # foreign_keys cannot change inside a transaction, and one is open when a later
        # revision's downgrade ran first (its alembic_version UPDATE began it): end it here.
        # That revision is fully undone and recorded; SQLite's DDL is not transactional here.
        dbapi = op.get_bind().connection.dbapi_connection
        if dbapi.in_transaction:
            dbapi.commit()
        op.execute("PRAGMA foreign_keys = OFF")
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.drop_index('ix_statement_derived', sqlite_where=sa.text("balance_derived = 1"),
                            postgresql_where=sa.text("balance_derived = true"))
        batch_op.drop_index('ix_statement_balance', sqlite_where=sa.text(BALANCE_WHERE),
                            postgresql_where=sa.text(BALANCE_WHERE))
        batch_op.drop_index(batch_op.f('ix_statement_import_id'))
        if op.get_bind().dialect.name != "sqlite":
            batch_op.drop_constraint('fk_statement_import_id', type_='foreignkey')
        batch_op.drop_column('import_id')
        batch_op.drop_column('memo')
        batch_op.drop_column('balance_derived')
    if sqlite:
        op.execute("PRAGMA foreign_keys = ON")

    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('opening_balance_date')
        batch_op.drop_column('opening_balance')

    with op.batch_alter_table('statement_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_import_office_id'))
        batch_op.drop_index(batch_op.f('ix_statement_import_account_id'))

    op.drop_table('statement_import')
