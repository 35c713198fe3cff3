"""bookkeeping (記帳): per-office masters (勘定科目, 補助科目, 税区分, 取引先, 部門, tags), the
mapping of bank accounts to them, rules, journal entries with the statements they booked,
and journal exports; an index for the inbox's office-wide order of statements

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 09:00:00.000000
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('book_counterparty',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('office_id', 'name')
    )
    with op.batch_alter_table('book_counterparty', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_book_counterparty_office_id'), ['office_id'], unique=False)

    op.create_table('book_department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('office_id', 'name')
    )
    with op.batch_alter_table('book_department', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_book_department_office_id'), ['office_id'], unique=False)

    op.create_table('book_export',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('format_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('account_ids', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('only_new', sa.Boolean(), nullable=False),
    sa.Column('entry_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('book_export', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_book_export_office_id'), ['office_id'], unique=False)

    op.create_table('book_setup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('business_form', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('book_setup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_book_setup_office_id'), ['office_id'], unique=True)

    op.create_table('book_tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('office_id', 'name')
    )
    with op.batch_alter_table('book_tag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_book_tag_office_id'), ['office_id'], unique=False)

    op.create_table('book_tax_class',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('office_id', 'key')
    )
    with op.batch_alter_table('book_tax_class', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_book_tax_class_office_id'), ['office_id'], unique=False)

    op.create_table('book_title',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('tax_class_key', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('office_id', 'name')
    )
    with op.batch_alter_table('book_title', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_book_title_office_id'), ['office_id'], unique=False)

    op.create_table('book_export_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('export_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['export_id'], ['book_export.id'], ),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('book_export_item', schema=None) as batch_op:
        batch_op.create_index('ix_book_export_item_entry', ['office_id', 'entry_id', 'export_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_book_export_item_export_id'), ['export_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_book_export_item_office_id'), ['office_id'], unique=False)

    op.create_table('book_sub_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('title_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.ForeignKeyConstraint(['title_id'], ['book_title.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('title_id', 'name')
    )
    with op.batch_alter_table('book_sub_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_book_sub_account_office_id'), ['office_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_book_sub_account_title_id'), ['title_id'], unique=False)

    op.create_table('book_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('flag_reason', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('debit_title_id', sa.Integer(), nullable=True),
    sa.Column('debit_sub_id', sa.Integer(), nullable=True),
    sa.Column('credit_title_id', sa.Integer(), nullable=True),
    sa.Column('credit_sub_id', sa.Integer(), nullable=True),
    sa.Column('tax_class_key', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('counterparty_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('memo', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('tag_ids', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('skip_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['counterparty_id'], ['book_counterparty.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['credit_sub_id'], ['book_sub_account.id'], ),
    sa.ForeignKeyConstraint(['credit_title_id'], ['book_title.id'], ),
    sa.ForeignKeyConstraint(['debit_sub_id'], ['book_sub_account.id'], ),
    sa.ForeignKeyConstraint(['debit_title_id'], ['book_title.id'], ),
    sa.ForeignKeyConstraint(['department_id'], ['book_department.id'], ),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('book_entry', schema=None) as batch_op:
        batch_op.create_index('ix_book_entry_office_date', ['office_id', 'entry_date', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_book_entry_office_id'), ['office_id'], unique=False)

    op.create_table('book_account_map',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('title_id', sa.Integer(), nullable=False),
    sa.Column('sub_account_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.ForeignKeyConstraint(['sub_account_id'], ['book_sub_account.id'], ),
    sa.ForeignKeyConstraint(['title_id'], ['book_title.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id')
    )
    with op.batch_alter_table('book_account_map', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_book_account_map_office_id'), ['office_id'], unique=False)

    op.create_table('book_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('match', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('pattern', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('amount_min', sa.BigInteger(), nullable=True),
    sa.Column('amount_max', sa.BigInteger(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('skip', sa.Boolean(), nullable=False),
    sa.Column('title_id', sa.Integer(), nullable=True),
    sa.Column('sub_account_id', sa.Integer(), nullable=True),
    sa.Column('tax_class_key', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('counterparty_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('memo', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('tag_ids', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['counterparty_id'], ['book_counterparty.id'], ),
    sa.ForeignKeyConstraint(['department_id'], ['book_department.id'], ),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.ForeignKeyConstraint(['sub_account_id'], ['book_sub_account.id'], ),
    sa.ForeignKeyConstraint(['title_id'], ['book_title.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('book_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_book_rule_office_id'), ['office_id'], unique=False)
        batch_op.create_index('ix_book_rule_office_position', ['office_id', 'position'], unique=False)

    op.create_table('book_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('transaction_date', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('description_norm', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['book_entry.id'], ),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('statement_id')
    )
    with op.batch_alter_table('book_line', schema=None) as batch_op:
        batch_op.create_index('ix_book_line_account_date', ['account_id', 'transaction_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_book_line_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index('ix_book_line_learn',
                              ['office_id', 'description_norm', 'direction', 'entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_book_line_office_id'), ['office_id'], unique=False)

    # Plain CREATE/DROP INDEX: a batch on statement could copy the whole ledger on SQLite.
    # The office-date index leads with office_id: the plain office index goes (one index
    # fewer to write per statement); the import index keeps only rows that came in a file.
    op.create_index('ix_statement_office_date', 'statement', ['office_id', 'transaction_date', 'id'],
                    unique=False)
    op.create_index('ix_statement_office_norm', 'statement', ['office_id', 'description_norm', 'amount'],
                    unique=False)
    op.drop_index('ix_statement_office_id', table_name='statement')
    op.drop_index('ix_statement_import_id', table_name='statement')
    op.create_index('ix_statement_import_id', 'statement', ['import_id'], unique=False,
                    sqlite_where=sa.text('import_id IS NOT NULL'),
                    postgresql_where=sa.text('import_id IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_statement_import_id', table_name='statement')
    op.create_index('ix_statement_import_id', 'statement', ['import_id'], unique=False)
    op.create_index('ix_statement_office_id', 'statement', ['office_id'], unique=False)
    op.drop_index('ix_statement_office_norm', table_name='statement')
    op.drop_index('ix_statement_office_date', table_name='statement')

    with op.batch_alter_table('book_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_book_line_office_id'))
        batch_op.drop_index('ix_book_line_learn')
        batch_op.drop_index(batch_op.f('ix_book_line_entry_id'))
        batch_op.drop_index('ix_book_line_account_date')

    op.drop_table('book_line')
    with op.batch_alter_table('book_rule', schema=None) as batch_op:
        batch_op.drop_index('ix_book_rule_office_position')
        batch_op.drop_index(batch_op.f('ix_book_rule_office_id'))

    op.drop_table('book_rule')
    with op.batch_alter_table('book_account_map', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_book_account_map_office_id'))

    op.drop_table('book_account_map')
    with op.batch_alter_table('book_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_book_entry_office_id'))
        batch_op.drop_index('ix_book_entry_office_date')

    op.drop_table('book_entry')
    with op.batch_alter_table('book_sub_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_book_sub_account_title_id'))
        batch_op.drop_index(batch_op.f('ix_book_sub_account_office_id'))

    op.drop_table('book_sub_account')
    with op.batch_alter_table('book_export_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_book_export_item_office_id'))
        batch_op.drop_index(batch_op.f('ix_book_export_item_export_id'))
        batch_op.drop_index('ix_book_export_item_entry')

    op.drop_table('book_export_item')
    with op.batch_alter_table('book_title', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_book_title_office_id'))

    op.drop_table('book_title')
    with op.batch_alter_table('book_tax_class', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_book_tax_class_office_id'))

    op.drop_table('book_tax_class')
    with op.batch_alter_table('book_tag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_book_tag_office_id'))

    op.drop_table('book_tag')
    with op.batch_alter_table('book_setup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_book_setup_office_id'))

    op.drop_table('book_setup')
    with op.batch_alter_table('book_export', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_book_export_office_id'))

    op.drop_table('book_export')
    with op.batch_alter_table('book_department', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_book_department_office_id'))

    op.drop_table('book_department')
    with op.batch_alter_table('book_counterparty', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_book_counterparty_office_id'))

    op.drop_table('book_counterparty')
