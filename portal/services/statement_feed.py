"""The statement change feed behind /api/v1/statements/sync: what was added, modified and
removed in an office since a cursor, complete and in commit order.

Two streams, each read in its own order and each with its own place in the cursor:
- added: the statements themselves, by (txid, id) on the office's feed index. Reading them
  from the ledger, not from a copy of each new row, keeps a sync's insert at one row per
  statement (migration 0013);
- edits: rows of statement_change (modified: fields, memo or booking; removed), written by
  triggers on statement and book_line (migration 0012), so no code path can forget one.
Order within a stream:
- SQLite runs one writing transaction at a time, so ids are handed out in commit order
  (txid is 0 throughout).
- PostgreSQL hands out ids when rows are written, not when they commit: a transaction that
  started earlier can commit later with smaller ids. Each row therefore carries its
  transaction id, a stream is read by (txid, id), and only rows of transactions older than
  the oldest one of this database still running are read (_HORIZON_SQL): those have all
  ended, and any row committed later sorts after every cursor handed out before.
A page reads both in one statement (one snapshot) and merges them by (txid, added first,
id), so a statement's addition always comes before its edits. A client paging while syncs
write is never skipped past a change, and never sees one twice.

A cursor is opaque to clients: "v2.<txid>.<id>.<txid>.<id>" (added, edits) in URL-safe
base64. "v1.<txid>.<id>", a place in the single stream of before 0013, is still taken.
"""
import base64
import binascii
from dataclasses import dataclass

from sqlalchemy import BigInteger, exists, literal, literal_column, select, tuple_, union_all
from sqlmodel import Session

from ..models import Statement, StatementChange
from ..models.books import BookLine
from ..models.vocabulary import ChangeKind

MAX_COUNT = 500
_LIMIT = 2**63


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


@dataclass(frozen=True)
class Place:
    """Where a client stands: the last (txid, id) it was handed of each stream."""
    added: tuple[int, int] = (0, 0)
    edits: tuple[int, int] = (0, 0)


_BOOKED = exists().where(BookLine.statement_id == Statement.id).label("booked")
# Written into the SQL as the partial indexes spell them (a bound parameter would keep
# PostgreSQL's generic plan of a prepared statement off them).
_EDIT_KINDS = StatementChange.kind != literal_column(f"'{ChangeKind.ADDED.value}'")
_ADDED_KIND = StatementChange.kind == literal_column(f"'{ChangeKind.ADDED.value}'")


def encode(place: Place) -> str:
    text_ = "v2.{}.{}.{}.{}".format(*place.added, *place.edits)
    return base64.urlsafe_b64encode(text_.encode()).decode().rstrip("=")


def _parse(cursor: str) -> tuple[str, list[int]]:
    try:
        text_ = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        version, *parts = text_.split(".")
        numbers = [int(p) for p in parts]
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor(cursor) from None
    if (version, len(numbers)) not in (("v1", 2), ("v2", 4)) or not all(0 <= n < _LIMIT for n in numbers):
        raise BadCursor(cursor)
    return version, numbers


def decode(session: Session, office_id: int, cursor: str | None) -> Place:
    """The place a cursor names; BadCursor for one this feed never gave."""
    if not cursor:
        return Place()
    version, numbers = _parse(cursor)
    if version == "v2":
        return Place(tuple(numbers[:2]), tuple(numbers[2:]))
    # v1: a place in the stream that also held one 'added' row per new statement. Those rows
    # (kept from before 0013) tell the last statement such a client was handed; each
    # statement kept the txid of its row.
    last_added = session.execute(
        select(StatementChange.txid, StatementChange.statement_id).where(
            StatementChange.office_id == office_id, _ADDED_KIND,
            tuple_(StatementChange.txid, StatementChange.id) <= tuple(numbers))
        .order_by(StatementChange.txid.desc(), StatementChange.id.desc()).limit(1)).first()
    return Place(tuple(last_added) if last_added else (0, 0), tuple(numbers))


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
    """PostgreSQL: every row with a transaction id below this has ended. A CTE, so the two
    streams of a page compare with one value, worked out once."""
    return select(select(literal_column(_HORIZON_SQL, BigInteger).label("txid"))
                  .cte("horizon").c.txid).scalar_subquery()


def _positions(session: Session, office_id: int, at: Place, limit: int):
    """The next `limit` of each stream, read in one statement: one snapshot for both, so an
    edit read here always has its statement's addition read here too (or handed out
    before). Rows: (stream 0 added / 1 edit, txid, row id, statement id, account id, kind)."""
    added = (select(literal(0).label("stream"), Statement.txid, Statement.id.label("row_id"),
                    Statement.id.label("statement_id"), Statement.account_id,
                    literal(ChangeKind.ADDED.value).label("kind"))
             .where(Statement.office_id == office_id,
                    tuple_(Statement.txid, Statement.id) > at.added))
    edits = (select(literal(1).label("stream"), StatementChange.txid,
                    StatementChange.id.label("row_id"), StatementChange.statement_id,
                    StatementChange.account_id, StatementChange.kind)
             .where(StatementChange.office_id == office_id, _EDIT_KINDS,
                    tuple_(StatementChange.txid, StatementChange.id) > at.edits))
    if session.get_bind().dialect.name == "postgresql":
        horizon = _horizon()
        added = added.where(Statement.txid < horizon)
        edits = edits.where(StatementChange.txid < horizon)
    added = added.order_by(Statement.txid, Statement.id).limit(limit).subquery()
    edits = edits.order_by(StatementChange.txid, StatementChange.id).limit(limit).subquery()
    return session.execute(union_all(select(added), select(edits))).all()


def page(session: Session, office_id: int, cursor: str | None, count: int = 100) -> FeedPage:
    """The changes after `cursor` (None: from the beginning), at most `count` of them, each
    statement once with its latest kind; BadCursor for a cursor this feed never gave."""
    count = max(1, min(count, MAX_COUNT))
    at = decode(session, office_id, cursor)
    # Each stream is complete up to its last row read, so the first `count` of the two
    # merged in (txid, added first, id) order are too.
    merged = sorted(_positions(session, office_id, at, count + 1),
                    key=lambda r: (r.txid, r.stream, r.row_id))
    has_more, merged = len(merged) > count, merged[:count]
    latest: dict[int, tuple[ChangeKind, int]] = {}  # statement → (what the client learns, account)
    place_added, place_edits = at.added, at.edits
    for row in merged:
        kind = ChangeKind(row.kind)
        if row.stream == 0:
            place_added = (row.txid, row.row_id)
        else:
            place_edits = (row.txid, row.row_id)
            if kind is ChangeKind.MODIFIED and row.statement_id in latest:
                continue  # added or modified in this page already: it is sent as it is now
        latest[row.statement_id] = (kind, row.account_id)
    current = _with_booking(session, office_id, [sid for sid, (kind, _a) in latest.items()
                                                 if kind is not ChangeKind.REMOVED])
    added, modified, removed = [], [], []
    for statement_id, (kind, account_id) in latest.items():
        if kind is ChangeKind.REMOVED:
            removed.append(Removed(statement_id, account_id))
        elif statement_id in current:  # else removed since: a later change says so
            (added if kind is ChangeKind.ADDED else modified).append(current[statement_id])
    return FeedPage(added, modified, removed, encode(Place(place_added, place_edits)), has_more)


def _with_booking(session: Session, office_id: int, ids: list[int]) -> dict[int, tuple]:
    if not ids:
        return {}
    found = session.execute(select(Statement, _BOOKED)
                            .where(Statement.office_id == office_id, Statement.id.in_(ids))).all()
    return {s.id: (s, bool(b)) for s, b in found}
