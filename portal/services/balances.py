"""Keeping Account.balance and the running balance of manual entries up to date as rows are
written (import, manual entry, edit, delete, undo), never on a page view.

Each write calls `after_write(session, account, since)` with the earliest date it touched:
derived balances from that day up to the last derived row are carried forward in keyset
batches (nothing to walk where there are none), and the account's balance is read back
from the latest row carrying one, through a partial index: one lookup, however long the
ledger. API accounts keep the bank's own balance (the sync sets it).
"""
from datetime import date

from sqlalchemy import bindparam, text, tuple_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from ..ledger.running_balance import Carry, Opening, account_balance, carry_forward
from ..models import Account, Statement
from ..models.statement_rows import GIVEN_BALANCE
from ..models.vocabulary import SyncMethod
from . import ledger_stats

BATCH = 1000
# Spelled as the partial index ix_statement_derived is, so both databases use it.
_DERIVED = Statement.balance_derived == True  # noqa: E712
# The rows of ix_statement_balance, in its own words (a bound 'api' would keep SQLite off a
# partial index); refresh_balance asks it only for accounts without an API.
_GIVEN = text(GIVEN_BALANCE)


def opening_of(account: Account) -> Opening | None:
    if account.opening_balance is None or account.opening_balance_date is None:
        return None
    return Opening(account.opening_balance, account.opening_balance_date)


def _key():
    return tuple_(Statement.transaction_date, Statement.id)


def _newest(session: Session, account: Account, *where):
    return session.exec(select(Statement.transaction_date, Statement.id, Statement.balance_after)
                        .where(Statement.account_id == account.id, *where)
                        .order_by(Statement.transaction_date.desc(), Statement.id.desc())
                        .limit(1)).first()


def carry_derived(session: Session, account: Account, since: date) -> int:
    """Recompute derived balances from the start of `since` on; returns how many changed."""
    last = _newest(session, account, _DERIVED)
    if last is None or last[0] < since:
        return 0
    before = _newest(session, account, _key() < tuple_(since, 0))
    point = Carry(before[0], before[2]) if before else Carry()
    opening, changed, after = opening_of(account), 0, (since, 0)  # ids start at 1
    while True:
        rows = session.exec(select(
            Statement.id, Statement.transaction_date, Statement.amount, Statement.balance_after,
            Statement.balance_derived).where(
            Statement.account_id == account.id, _key() > tuple_(*after),
            _key() <= tuple_(last[0], last[1]))
            .order_by(Statement.transaction_date, Statement.id).limit(BATCH)).all()
        if not rows:
            return changed
        updates, point = carry_forward(point, rows, opening)
        _write(session, updates)
        if updates:  # a carried balance is part of its day's chain figures
            moved = {i for i, _ in updates}
            ledger_stats.touched(session, account.id,
                                 {r.transaction_date for r in rows if r.id in moved})
        changed += len(updates)
        after = (rows[-1].transaction_date, rows[-1].id)


def _write(session: Session, updates: list[tuple[int, int | None]]) -> None:
    if not updates:
        return
    table = Statement.__table__
    session.execute(update(table).where(table.c.id == bindparam("row_id"))
                    .values(balance_after=bindparam("new_balance")),
                    [{"row_id": i, "new_balance": b} for i, b in updates])
    for i, b in updates:  # statements this session holds see the new balance too
        held = session.identity_map.get(session.identity_key(Statement, i))
        if held is not None:
            set_committed_value(held, "balance_after", b)


def refresh_balance(session: Session, account: Account) -> None:
    """Account.balance/balance_date of an account without an API, from its statements."""
    if account.sync_method == SyncMethod.API:
        return
    latest = _newest(session, account, _GIVEN)
    account.balance, account.balance_date = account_balance(
        (latest[0], latest[2]) if latest else None, opening_of(account))
    session.add(account)


def after_write(session: Session, account: Account, since: date | None) -> None:
    """Everything a write from `since` on changes: derived balances, then the account's.
    The caller commits."""
    session.flush()
    if since is not None:
        carry_derived(session, account, since)
    refresh_balance(session, account)
