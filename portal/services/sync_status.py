"""What changed in the home page's syncing rows since the page last looked, in one query.

The home page polls once per interval for all its rows. Each syncing row carries a token:
a short hash of what the row shows of its sync (the account's state, balance and error; its
newest run's state, counts, retry time and window), as `live` reads it. The poll sends the
tokens the page holds; `live` reads them again for the office's syncing accounts, and only
rows whose token differs are rendered again. Nothing differs: the view answers 204.

Every token comes from `live`, for the page as for the poll, so they compare equal exactly
when the database says the same; a row rendered without one sends an empty token, which
differs, so the next poll renders it again (whatever happened between the two reads).
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from hashlib import blake2b

from sqlalchemy import Connection, and_, bindparam, func, literal_column
from sqlmodel import Session, select

from ..dates import utcnow
from ..driver_sql import DriverQuery
from ..listen_cache import ListenCache
from ..models import Account, SyncRun
from ..models.vocabulary import ACTIVE_SYNC_STATES, SyncState

WAITING_AFTER = timedelta(seconds=5)  # a run queued for later than this polls slowly

_ACCOUNT = ("id", "sync_state", "sync_error_code", "balance")
_RUN = ("id", "state", "fetched", "attempts", "next_attempt_at", "error_code", "date_from")
_STATE, _NEXT_ATTEMPT = len(_ACCOUNT) + 1, len(_ACCOUNT) + 4


def _token(values) -> str:
    return blake2b(repr(values).encode(), digest_size=6).hexdigest()


def _as_time(value) -> datetime | None:
    """A time as the driver returns it (SQLite: text) as an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def is_waiting(run_state, next_attempt_at) -> bool:
    """Queued for later (bank closed, Retry-After): such a row polls slowly."""
    if run_state != SyncState.QUEUED or next_attempt_at is None:
        return False
    return _as_time(next_attempt_at) > utcnow() + WAITING_AFTER


@dataclass(frozen=True)
class Live:
    token: str
    waiting: bool


def _live_query():
    """The office index on account; the (account_id, id) index on sync_run for the newest run."""
    account, run = Account.__table__.c, SyncRun.__table__.c
    newest = (select(func.max(run.id)).where(run.account_id == account.id)
              .correlate(Account.__table__).scalar_subquery())
    return (select(*(account[c] for c in _ACCOUNT), *(run[c] for c in _RUN))
            .select_from(Account.__table__)
            .outerjoin(SyncRun.__table__, and_(run.id == newest, run.office_id == account.office_id))
            .where(account.office_id == bindparam("office_id", 0),
                   # Our own enum values, written into the SQL: no expanding parameter, so the
                   # compiled text needs no per-call rendering (which SQLAlchemy refuses
                   # to redo under threads now and then).
                   account.sync_state.in_([literal_column(f"'{s}'") for s in ACTIVE_SYNC_STATES])))


_LIVE = DriverQuery(_live_query)  # a poll is hot: compiled once per database


def live(on: Session | Connection, office_id: int) -> dict[int, Live]:
    """The office's syncing accounts, each with its token and whether it waits: one query."""
    return _as_live(_read(on, office_id))


def live_remembered(cache: ListenCache, connect: Callable[[], Connection],
                    office_id: int) -> dict[int, Live]:
    """`live`, from the cache's memory while no change to the office's syncs was told since
    it was read (`connect` gives the connection only when the database is asked)."""
    return _as_live(cache.read(("o", office_id), "live", lambda: _read(connect(), office_id)))


def _read(on: Session | Connection, office_id: int) -> tuple:
    """Per syncing account: its id, token, run state and retry time (what stays true until
    the rows change; whether it waits depends on the time, so `_as_live` decides it)."""
    return tuple((row[0], _token(tuple(row[1:])), row[_STATE], row[_NEXT_ATTEMPT])
                 for row in _LIVE.all(on, office_id=office_id))


def _as_live(read: tuple) -> dict[int, Live]:
    return {account_id: Live(token, is_waiting(state, next_attempt_at))
            for account_id, token, state, next_attempt_at in read}


def tokens(now: dict[int, Live]) -> dict[int, str]:
    """For the rendered rows: each syncing account's token."""
    return {account_id: v.token for account_id, v in now.items()}


def parse_sent(values: list[str]) -> dict[int, str]:
    """The poll's `row` values, "<account id>.<token>"; anything malformed is ignored (a
    page from before the dot sends "<id>:<token>": its rows are rendered once again).
    A dot travels in a query as it is; a colon is %3A, and decoding every value cost the
    poll more than its query."""
    sent = {}
    for value in values[:1000]:
        account_id, _, token = value.partition(".")
        if account_id.isdigit() and len(account_id) < 19:
            sent[int(account_id)] = token
    return sent


def changed(sent: dict[int, str], now: dict[int, Live]) -> set[int]:
    """Rows to render again: shown syncing with another token, shown syncing but done now,
    or syncing now but not shown so (a sync started elsewhere)."""
    return {i for i in sent.keys() | now.keys()
            if i not in now or sent.get(i) != now[i].token}


def interval(now: dict[int, Live]) -> str | None:
    """How often the page polls: every second while a row syncs, slowly while every syncing
    row waits for later, never when nothing syncs."""
    if not now:
        return None
    return "30s" if all(v.waiting for v in now.values()) else "1s"


def accounts_of(session: Session, office_id: int, ids: set[int]) -> list[Account]:
    """The office's accounts among `ids` (a poll may send any number: never another office's)."""
    return list(session.exec(select(Account).where(
        Account.office_id == office_id, Account.id.in_(ids)).order_by(Account.id)))
