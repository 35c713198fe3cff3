"""Which days a sync asks the bank for: never before what the bank keeps, from the last synced
date less an overlap, and the days lost to a lapse."""
from datetime import date, timedelta

from ..banks.registry import BankApi
from ..dates import months_back, today_jst
from ..models import Account


def earliest_available(account: Account, bank: BankApi, today: date | None = None,
                       type_code: str | None = None) -> date:
    """The oldest date the bank still gives for this account: by the bank-side account type
    (普通, 定期…) when the bank says, else by the kind registered (個人, 法人)."""
    months = bank.history_by_type.get(type_code or "")
    if months is None:
        kind = bank.kind(account.kind)
        months = kind.history_months if kind else 1
    return months_back(today or today_jst(), months)


def fetch_window(account: Account, bank: BankApi, overlap_days: int,
                 type_code: str | None = None) -> tuple[date, date]:
    """From (last synced date − overlap) or the chosen start, never before what the bank keeps.

    A start moved earlier than anything fetched so far backfills from the new start.
    """
    today = today_jst()
    earliest = earliest_available(account, bank, today, type_code)
    start = account.period_start or earliest
    backfill = account.fetched_from is None or start < account.fetched_from
    if (not backfill and account.synced_through
            and account.synced_through - timedelta(days=overlap_days) > start):
        start = account.synced_through - timedelta(days=overlap_days)
    return max(start, earliest), today


def missing_range(account: Account, window_start: date) -> tuple[date, date] | None:
    """Days that fell out of the bank's window while we were not syncing (a lapse)."""
    if account.synced_through and account.synced_through + timedelta(days=1) < window_start:
        return account.synced_through + timedelta(days=1), window_start - timedelta(days=1)
    return None
