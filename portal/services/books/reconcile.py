"""残高照合: for each account and month, does opening balance + what was booked equal the
bank's closing balance of that month? And how many statements of the month are not booked.

The bank's side comes from the per-day figures every writer keeps (ledger_day), never from
a scan of the ledger: a day with a balance ends at its last balance plus the amounts after
it (tail), a day without one moves the balance by its amounts. The opening balance is the
account's 開始残高 when set, else the balance before its first day (first balance less the
amounts up to it, less the days before). Booked means the lines of entries booked or flagged
(a flagged line counts as it was booked, so a bank change shows as a difference); skipped
statements are not booked."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, func, literal_column
from sqlmodel import Session, select

from ...models import Account, BookEntry, BookLine, LedgerDay, Statement
from ...models.vocabulary import BookingState
from .common import owned


@dataclass(frozen=True)
class MonthCheck:
    month: date  # its first day
    closing: int | None  # the bank's balance at the month's end (None: unknown)
    booked_balance: int | None  # opening balance + booked amounts to the month's end
    difference: int | None  # closing - booked_balance
    statements: int
    unbooked: int  # statements of the month neither booked nor skipped (0-yen ones aside)

    @property
    def reconciled(self) -> bool:
        return self.difference == 0


def _month(day: date) -> date:
    return day.replace(day=1)


def reconcile_account(session: Session, office_id: int, account_id: int) -> list[MonthCheck]:
    account = owned(session, office_id, Account, account_id)
    days = session.exec(select(LedgerDay).where(LedgerDay.account_id == account.id,
                                                LedgerDay.office_id == office_id)
                        .order_by(LedgerDay.day)).all()
    opening = _opening(account, days)
    start = opening[1] if opening else None
    booked = defaultdict(int)  # month → booked amounts (signed) from the opening day on
    for day, amount in session.exec(
            select(BookLine.transaction_date, func.sum(BookLine.amount))
            .join(BookEntry, BookEntry.id == BookLine.entry_id)
            .where(BookLine.account_id == account.id, BookLine.office_id == office_id,
                   BookEntry.office_id == office_id,
                   BookEntry.state.in_([BookingState.BOOKED, BookingState.FLAGGED]))
            .group_by(BookLine.transaction_date)).all():
        if start is None or day >= start:
            booked[_month(day)] += int(amount)
    taken = defaultdict(int)  # month → statements held by an entry (booked or skipped) or 0-yen
    for day, n in session.exec(
            select(Statement.transaction_date, func.count())
            .join(BookLine, BookLine.statement_id == Statement.id)
            .where(Statement.account_id == account.id, Statement.office_id == office_id)
            .group_by(Statement.transaction_date)).all():
        taken[_month(day)] += n
    for day, n in session.exec(  # 0-yen rows: nothing to book (the inbox leaves them out too)
            select(Statement.transaction_date, func.count())
            .where(Statement.account_id == account.id, Statement.office_id == office_id,
                   Statement.amount == literal_column("0"),  # as ix_statement_zero says
                   ~exists().where(BookLine.statement_id == Statement.id))
            .group_by(Statement.transaction_date)).all():
        taken[_month(day)] += n
    closing, counts = {}, defaultdict(int)
    balance = opening[0] if opening else None
    for d in days:
        counts[_month(d.day)] += d.rows
        if start is not None and d.day < start:
            continue
        if d.first_balance is not None:
            balance = d.last_balance + d.tail
        elif balance is not None:
            balance += d.amount_sum
        closing[_month(d.day)] = balance
    out, running = [], opening[0] if opening else None
    last_close = None
    for month in sorted(set(counts) | set(booked)):
        if running is not None and (start is None or month >= _month(start)):
            running += booked.get(month, 0)
        close = closing.get(month, last_close)
        last_close = close
        expected = running if start is not None and month >= _month(start) else None
        diff = None if close is None or expected is None else close - expected
        out.append(MonthCheck(month, close, expected, diff, counts.get(month, 0),
                              counts.get(month, 0) - taken.get(month, 0)))
    return out


def _opening(account: Account, days: list[LedgerDay]) -> tuple[int, date] | None:
    """(balance, from which day) or None when no balance is known at all."""
    if account.opening_balance is not None and account.opening_balance_date is not None:
        return account.opening_balance, account.opening_balance_date
    moved = 0
    for d in days:
        if d.first_balance is not None:
            return d.first_balance - d.lead - moved, days[0].day
        moved += d.amount_sum
    return None


def unreconciled_months(session: Session, office_id: int, account_id: int | None = None
                        ) -> list[tuple[int, MonthCheck]]:
    """(account id, month) of every month that does not reconcile (a difference, or no
    balance to compare with) or holds statements not yet booked."""
    q = select(Account.id).where(Account.office_id == office_id).order_by(Account.id)
    if account_id is not None:
        q = q.where(Account.id == account_id)
    out = []
    for acc_id in session.exec(q).all():
        out += [(acc_id, m) for m in reconcile_account(session, office_id, acc_id)
                if not m.reconciled or m.unbooked]
    return out
