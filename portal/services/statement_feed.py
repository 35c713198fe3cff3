"""The statement change feed behind /api/v1/statements/sync: what was added, modified and
removed in an office since a cursor, complete and in commit order.

The changes are rows of statement_change, written by triggers on statement and book_line
(migration 0012), so no code path can change a statement without it showing here. Order:
- SQLite runs one writing transaction at a time, so ids are handed out in commit order.
- PostgreSQL hands out ids when rows are written, not when they commit: a transaction that
  started earlier can commit later with smaller ids. Each change therefore carries its
  transaction id, the feed orders by (txid, id), and it reads only changes of transactions
  older than the oldest one of this database still running (_HORIZON_SQL): those have all
  ended, and any change committed later sorts after every cursor handed out before. A client paging while
  syncs write is never skipped past a change, and never sees one twice.

A cursor is opaque to clients: "v1.<txid>.<id>" in URL-safe base64.
"""
import base64
import binascii
from dataclasses import dataclass

from sqlalchemy import BigInteger, exists, literal_column, select, tuple_
from sqlmodel import Session

from ..models import Statement, StatementChange
from ..models.books import BookLine
from ..models.vocabulary import ChangeKind

MAX_COUNT = 500


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Removed:
    id: int
    account_id: int


@dataclass(frozen=True)
class FeedPage:
    added: list[tuple[Statement, bool]]  # (statement, booked), oldest change first
    modified: list[tuple[Statement, bool]]
    removed: list[Removed]
    next_cursor: str
    has_more: bool


def encode(txid: int, change_id: int) -> str:
    return base64.urlsafe_b64encode(f"v1.{txid}.{change_id}".encode()).decode().rstrip("=")


def decode(cursor: str | None) -> tuple[int, int]:
    if not cursor:
        return 0, 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        version, txid, change_id = text.split(".")
        position = int(txid), int(change_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor(cursor) from None
    if version != "v1" or min(position) < 0 or max(position) >= 2**63:
        raise BadCursor(cursor)
    return position


# The oldest transaction running when this statement's snapshot was taken that may write to
# this database, else the snapshot's xmax: every change below it has ended and is visible.
# Transactions known to run in another database of the server (pg_stat_activity, read in the
# same statement) are left out, so they do not hold the feed back; one that ended between the
# snapshot and that read, or whose database the role may not see, counts: the feed waits.
_HORIZON_SQL = """(SELECT COALESCE(MIN(x::text::bigint),
                         pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
   FROM pg_snapshot_xip(pg_current_snapshot()) AS x
   WHERE NOT EXISTS (
     SELECT 1 FROM pg_stat_activity a
     WHERE a.backend_xid IS NOT NULL AND a.datname IS NOT NULL
       AND a.datname <> current_database()
       AND a.backend_xid::text::bigint = x::text::bigint % 4294967296))"""


def _horizon():
    """PostgreSQL: every change with a transaction id below this has ended."""
    return literal_column(_HORIZON_SQL, BigInteger)


def page(session: Session, office_id: int, cursor: str | None, count: int = 100) -> FeedPage:
    """The changes after `cursor` (None: from the beginning), at most `count` of them, each
    statement once with its latest kind; BadCursor for a cursor this feed never gave."""
    count = max(1, min(count, MAX_COUNT))
    after = decode(cursor)
    query = (select(StatementChange.id, StatementChange.txid, StatementChange.statement_id,
                    StatementChange.account_id, StatementChange.kind)
             .where(StatementChange.office_id == office_id,
                    tuple_(StatementChange.txid, StatementChange.id) > after))
    if session.get_bind().dialect.name == "postgresql":
        query = query.where(StatementChange.txid < _horizon())
    rows = session.execute(query.order_by(StatementChange.txid, StatementChange.id)
                           .limit(count + 1)).all()
    has_more = len(rows) > count
    rows = rows[:count]
    latest: dict[int, tuple[ChangeKind, int]] = {}  # statement → (kind, account)
    added_here: set[int] = set()
    for _id, _txid, statement_id, account_id, kind in rows:
        kind = ChangeKind(kind)
        if kind is ChangeKind.ADDED:
            added_here.add(statement_id)
        latest[statement_id] = (kind, account_id)
    live_ids = [sid for sid, (kind, _a) in latest.items() if kind is not ChangeKind.REMOVED]
    statements = _with_booking(session, office_id, live_ids)
    added, modified, removed = [], [], []
    for statement_id, (kind, account_id) in latest.items():
        if kind is ChangeKind.REMOVED:
            removed.append(Removed(statement_id, account_id))
        elif statement_id in statements:  # else removed since: a later change says so
            (added if statement_id in added_here else modified).append(statements[statement_id])
    next_cursor = encode(rows[-1][1], rows[-1][0]) if rows else encode(*after)
    return FeedPage(added, modified, removed, next_cursor, has_more)


def _with_booking(session: Session, office_id: int, ids: list[int]) -> dict[int, tuple]:
    if not ids:
        return {}
    booked = exists().where(BookLine.statement_id == Statement.id)
    found = session.execute(select(Statement, booked.label("booked"))
                            .where(Statement.office_id == office_id, Statement.id.in_(ids))).all()
    return {s.id: (s, bool(b)) for s, b in found}


def current_cursor(session: Session, office_id: int) -> str:
    """A cursor at the end of the feed now: a client that only wants what comes next."""
    query = select(StatementChange.txid, StatementChange.id).where(
        StatementChange.office_id == office_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.where(StatementChange.txid < _horizon())
    last = session.execute(query.order_by(StatementChange.txid.desc(), StatementChange.id.desc())
                           .limit(1)).first()
    return encode(*last) if last else encode(0, 0)
