"""ledger stats: per account and day counts, sums and balance-chain figures, and the chain's
breaks, kept as rows are written so that no page recounts the ledger; existing ledgers are
filled in here

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

from portal.ledger.day_chain import rebuild

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_day',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('amount_sum', sa.BigInteger(), nullable=False),
    sa.Column('in_sum', sa.BigInteger(), nullable=False),
    sa.Column('out_sum', sa.BigInteger(), nullable=False),
    sa.Column('lead', sa.BigInteger(), nullable=False),
    sa.Column('first_balance', sa.BigInteger(), nullable=True),
    sa.Column('first_pos', sa.Integer(), nullable=True),
    sa.Column('last_balance', sa.BigInteger(), nullable=True),
    sa.Column('tail', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.PrimaryKeyConstraint('account_id', 'day')
    )
    with op.batch_alter_table('ledger_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_day_office_id'), ['office_id'], unique=False)

    op.create_table('ledger_break',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('previous_date', sa.Date(), nullable=False),
    sa.Column('expected', sa.BigInteger(), nullable=False),
    sa.Column('actual', sa.BigInteger(), nullable=False),
    sa.Column('crossing', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ledger_break', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_break_account_day', ['account_id', 'day', 'position'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_break_office_id'), ['office_id'], unique=False)
    _backfill()


def _backfill() -> None:
    """Each account's ledger read once, in ledger order, a batch at a time."""
    bind = op.get_bind()
    # Typed as the models are: SQLite keeps dates as text, and the chain compares dates.
    statement = sa.table('statement', sa.column('account_id'),
                         sa.column('transaction_date', sa.Date()), sa.column('id'),
                         sa.column('amount'), sa.column('balance_after'))
    account = sa.table('account', sa.column('id'), sa.column('office_id'))
    day = sa.table('ledger_day', sa.column('day', sa.Date()), *(sa.column(c) for c in (
        'account_id', 'office_id', 'rows', 'amount_sum', 'in_sum', 'out_sum', 'lead',
        'first_balance', 'first_pos', 'last_balance', 'tail')))
    brk = sa.table('ledger_break', sa.column('day', sa.Date()),
                   sa.column('previous_date', sa.Date()), sa.column('crossing', sa.Boolean()),
                   *(sa.column(c) for c in (
                       'account_id', 'office_id', 'position', 'expected', 'actual')))
    for account_id, office_id in bind.execute(sa.select(account.c.id, account.c.office_id)).all():
        # yield_per on the query, not the connection: the inserts below must not stream.
        rows = bind.execute(
            sa.select(statement.c.transaction_date, statement.c.amount, statement.c.balance_after)
            .where(statement.c.account_id == account_id)
            .order_by(statement.c.transaction_date, statement.c.id)
            .execution_options(yield_per=10_000))
        summaries, breaks = rebuild(tuple(r) for r in rows)
        mine = {"account_id": account_id, "office_id": office_id}
        for start in range(0, len(summaries), 5000):
            bind.execute(day.insert(), [{**mine, **vars(s)} for s in summaries[start:start + 5000]])
        if breaks:
            bind.execute(brk.insert(), [{
                **mine, "day": b.day, "position": b.position, "previous_date": b.previous_date,
                "expected": b.expected, "actual": b.actual, "crossing": b.crossing} for b in breaks])


def downgrade() -> None:
    with op.batch_alter_table('ledger_break', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_break_office_id'))
        batch_op.drop_index('ix_ledger_break_account_day')
    op.drop_table('ledger_break')
    with op.batch_alter_table('ledger_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_day_office_id'))
    op.drop_table('ledger_day')
