"""Switching an account whose history came from statement files (従来の方法) to the API.

The switch records:
- cutover_date: the day after the last statement held from files (today when there is
  none, and never later than today). API statements from that day on are the ledger;
  before it the file history stays, and API rows that overlap it are matched, not added.
- period_start: 31 days before the last file statement, so the first API fetch overlaps
  the history and matching can find rows both sides hold (a start the user chose
  earlier is kept); never before what the bank still gives.
- a missing range, when the bank no longer gives the days between the last file
  statement and its window: the account then offers a file upload for exactly those days.
The consent itself is the usual flow; it sets sync_method to "api".
"""
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from ...banks.registry import BankApi, BankRegistry
from ...dates import today_jst
from ...models import Account, Statement
from ...models.vocabulary import StatementSource, SyncMethod
from ..sync_window import earliest_available

OVERLAP_DAYS = 31


class SwitchError(ValueError):
    pass


def can_switch(account: Account, registry: BankRegistry) -> bool:
    return account.sync_method == SyncMethod.LEGACY and registry.get(account.bank_code) is not None


def file_history(session: Session, account_id: int) -> tuple[date | None, date | None, int]:
    """First and last date, and count, of the statements that did not come from the API."""
    first, last, count = session.exec(select(
        func.min(Statement.transaction_date), func.max(Statement.transaction_date), func.count())
        .where(Statement.account_id == account_id, Statement.source != StatementSource.API)).one()
    return first, last, int(count)


def plan(session: Session, account: Account, bank: BankApi, today: date | None = None) -> dict:
    """What begin_switch would set, for the confirmation page."""
    today = today or today_jst()
    _first, last, _count = file_history(session, account.id)
    earliest = earliest_available(account, bank, today)
    cutover = min(last + timedelta(days=1), today) if last else today
    start = last - timedelta(days=OVERLAP_DAYS) if last else earliest
    if account.period_start and account.period_start < start:
        start = account.period_start
    gap = None
    if last and last + timedelta(days=1) < earliest:
        gap = (last + timedelta(days=1), earliest - timedelta(days=1))
    return {"cutover_date": cutover, "period_start": max(start, earliest), "gap": gap}


def begin_switch(session: Session, account: Account, registry: BankRegistry,
                 today: date | None = None) -> dict:
    if not can_switch(account, registry):
        raise SwitchError("not_legacy")
    p = plan(session, account, registry.get(account.bank_code), today)
    account.cutover_date, account.period_start = p["cutover_date"], p["period_start"]
    if p["gap"]:
        account.gap_from, account.gap_to = p["gap"]
    session.commit()
    return p
