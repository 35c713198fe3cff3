"""Date windows and paging of statements, shared by both dialects."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from . import clock
from .api_common import ApiError, Call
from .context import sandbox
from .models import Account, Statement


def parse_date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, "WG_ERR_110", f"{name} は YYYY-MM-DD で指定してください") from None


def window(account: Account, date_from: dt.date | None, date_to: dt.date | None):
    """GMO's rules: no dates = today; only from = to today; only to = from the first
    statement held; from after to = 400."""
    today = clock.today()
    if date_from is None and date_to is None:
        date_from = date_to = today
    elif date_to is None:
        date_to = today
    elif date_from is None:
        date_from = min(sandbox().state.history_start(account, today), date_to)
    if date_from > date_to:
        raise ApiError(400, "WG_ERR_110", "dateFrom が dateTo より後になっています")
    return date_from, date_to


@dataclass
class Page:
    date_from: dt.date
    date_to: dt.date
    rows: list[Statement]
    next_seq: int | None  # seq of the first statement of the next page


def page(call: Call, account: Account, date_from, date_to, start_seq: int) -> Page:
    box = sandbox()
    rows, next_seq = box.state.statements_between(account, date_from, date_to, start_seq,
                                                  call.profile.page_size)
    if next_seq is not None:
        fault = box.faults.take(call.code, "insert_between_pages")
        if fault:  # new statements land while the client is between two pages
            box.state.append_statements(account, None, fault.params["statements"],
                                        random.Random(f"insert:{account.account_id}"))
    else:
        _after_complete_listing(call)
    return Page(date_from, date_to, rows, next_seq)


def _after_complete_listing(call: Call) -> None:
    state = sandbox().state
    user = state.user(call.code, call.grant.login)
    with state.lock:
        first = not call.grant.synced
        call.grant.synced = True
    if first and user is not None and user.script == "revoke_after_sync":
        # Scripted user: the consent dies right after the first full sync, as when the
        # customer changes the bank password.
        state.revoke_grants_by_id(call.grant.grant_id, "password_changed")
