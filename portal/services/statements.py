"""Statements: idempotent bulk upsert, keyset-paginated listing (manual entry: manual_entries)."""
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import chain, count
from typing import NamedTuple

from sqlalchemy import Engine, bindparam, exists, tuple_
from sqlmodel import Session, select

from ..dates import utcnow
from ..driver_sql import DriverQuery, as_date
from ..ledger.day_sides import Side
from ..ledger.normalize import norm_description
from ..models import Account, Statement, StatementAlias
from ..models.vocabulary import StatementSource
from . import ledger_stats

# The insert of upsert_statements on SQLite: the columns a row fills, in VALUES order.
_INSERT_HEAD = ("INSERT INTO statement (office_id, account_id, transaction_date, value_date, amount, "
                "description, description_norm, balance_after, balance_derived, memo, source, "
                "dedupe_key, sync_run_id, import_id, created_at) VALUES ")
_INSERT_TAIL = " ON CONFLICT (account_id, dedupe_key) DO NOTHING"
_COLUMNS = tuple(_INSERT_HEAD.split("(", 1)[1].split(")", 1)[0].split(", "))
_ROW_KEYS = frozenset(_COLUMNS) - {"office_id", "account_id", "created_at"}
_CHUNK = 1000  # rows per INSERT on SQLite: 15,000 parameters, inside its limit of 32,766


# PostgreSQL takes a page as one JSON array of rows, so the statement keeps 4 parameters
# whatever the page's size (psycopg caches one short query, where a VALUES list of thousands
# of placeholders is re-parsed on every page), and the page is encoded by the json module's
# C code: one array per column cost psycopg a Python call per value, a sixth of a sync's CPU.
_PG_INSERT = (
    "INSERT INTO statement (office_id, account_id, transaction_date, value_date, amount, "
    "description, description_norm, balance_after, balance_derived, memo, source, dedupe_key, "
    "sync_run_id, import_id, created_at) "
    "SELECT %s, %s, (r->>0)::date, (r->>1)::date, (r->>2)::bigint, r->>3, r->>4, "
    "(r->>5)::bigint, (r->>6)::boolean, r->>7, r->>8, r->>9, (r->>10)::integer, "
    "(r->>11)::integer, %s "
    "FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS t(r, n) "
    "ORDER BY t.n ON CONFLICT (account_id, dedupe_key) DO NOTHING")


class Stored(NamedTuple):
    """What an insert did: how many rows the database took (its own count), and for the kept
    figures (ledger_stats.by_day) those rows where every row of an INSERT went in, else the
    days of that INSERT's rows, to be read back."""
    added: int
    rows: list[ledger_stats.Inserted]
    unsure: set[date]


# The order rows go in across this process's inserts: one writer's rows get ids in it (an
# INSERT takes its rows in the order given), which is all the kept figures need of an id.
_ORDER = count()


def _insert_ignoring_duplicates(session: Session, values: list[tuple]) -> Stored:
    """Insert the rows (tuples in _COLUMNS order, one office, account and created_at) that
    the unique (account, key) constraint lets in.

    Straight to the driver, as INSERT ... ON CONFLICT DO NOTHING: the database decides
    duplicates through its unique index (work per row, never per ledger), and the bind
    processing of an ORM executemany was most of a sync's time. Values are already what the
    driver takes (see row_values). Rows go in in the given order, so ids keep the order of
    same-day rows. The row count says how many went in; where that is all of them, which is
    every page of a first sync, what went in is known without RETURNING (whose 100,000 rows
    cost a tenth of a sync's time to take in)."""
    return run_inserts(session, ready_inserts(session.get_bind().dialect.name, values))


class Ready(NamedTuple):
    """One INSERT made ready to send: how many rows it carries, its (sql, parameters), and
    what the kept figures need of each of those rows should they all go in."""
    rows: int
    statement: tuple[str, tuple]
    inserted: list[ledger_stats.Inserted]


def ready_inserts(dialect: str, values: list[tuple]) -> list[Ready]:
    """The INSERTs of `values` (see _insert_ignoring_duplicates), touching no database: a
    sync makes them on the thread that fetched the page, while the page before is stored
    (building the SQL and the kept figures' rows was a fifth of the storing thread's work).
    Each row's place in the order rows go in is taken here, in the order they will."""
    if not values:  # a page with nothing on it (a repeat sync's, often): no INSERT at all
        return []
    return [Ready(len(chunk), statement,
                  [(next(_ORDER), as_date(v[2]), v[4], v[7], _SIDE_OF[v[10]]) for v in chunk])
            for chunk, statement in _insert_sql(dialect, values)]


def run_inserts(session: Session, ready: list[Ready]) -> Stored:
    """Send the INSERTs; where one took all its rows, they are known; where it took some,
    their days are to be read back (Stored)."""
    conn = session.connection()
    added, rows, unsure = 0, [], set()
    for insert in ready:
        took = conn.exec_driver_sql(*insert.statement).rowcount
        added += took
        if took == insert.rows:
            rows.extend(insert.inserted)
        elif took:
            unsure.update(row[1] for row in insert.inserted)
    return Stored(added, rows, unsure)


def _insert_sql(dialect: str, values: list[tuple]) -> Iterator[tuple[list[tuple], tuple]]:
    """(rows, (sql, parameters)) of each INSERT the rows take, made as each is sent:
    PostgreSQL one for all of them, SQLite one per _CHUNK rows."""
    if dialect == "postgresql":
        office_id, account_id, now = values[0][0], values[0][1], values[0][14]
        page = json.dumps([v[2:14] for v in values], ensure_ascii=False)
        yield values, (_PG_INSERT, (office_id, account_id, now, page))
        return
    row = "(" + ", ".join(["?"] * len(_COLUMNS)) + ")"
    sql = {}
    for start in range(0, len(values), _CHUNK):
        chunk = values[start:start + _CHUNK]
        text = sql.get(len(chunk))
        if text is None:
            text = sql[len(chunk)] = _INSERT_HEAD + ", ".join([row] * len(chunk)) + _INSERT_TAIL
        yield chunk, (text, tuple(chain.from_iterable(chunk)))


# A row's source as stored (EnumText's value); members hash and compare as their value.
_SOURCES = {m.value: m.value for m in StatementSource}
# A new row's side (ledger.day_sides): the bank's if it came from the API; never LINKED (an
# alias names a row already held).
_SIDE_OF = {m.value: Side.BANK if m == StatementSource.API else Side.OTHER for m in StatementSource}


def _iso_day(value):
    """A date as ISO text: what SQLAlchemy's Date type stores on SQLite, and what the
    PostgreSQL insert reads from the page's JSON."""
    return None if value is None else value.isoformat()


def has_aliases(session: Session, account_id: int) -> bool:
    """One probe of the (account_id, dedupe_key) unique index: most accounts have none."""
    return session.exec(select(exists().where(StatementAlias.account_id == account_id))).one()


def upsert_statements(session: Session, account: Account, rows: list[dict]) -> int:
    """Insert rows whose dedupe_key the account does not hold yet; returns how many were new
    (exactly: counted from what the database inserted). The kept figures are brought up to
    date for the days that got rows (ledger_stats). The caller commits."""
    stored = insert_statements(session, account, rows)
    if stored.added:
        written = ledger_stats.by_day(stored)
        ledger_stats.touched(session, account.id, written, written=written)
    return stored.added


def insert_statements(session: Session, account: Account, rows: list[dict], *,
                      aliases: bool | None = None) -> Stored:
    """Insert rows whose dedupe_key the account does not hold yet; returns how many went in
    and what the kept figures need of them (Stored). The caller brings the kept figures up
    to date for their days (ledger_stats.by_day, then touched) before it commits: a sync does
    it once for many pages, not once per page.

    Duplicates are decided by the unique (account, key) constraint in the insert itself; keys
    held as an alias are looked up only for an account that has aliases (`aliases`: whether
    it has, when the caller knows; None: look).
    """
    values = row_values(session.get_bind().dialect.name, account.office_id, account.id, rows)
    return insert_values(session, account.id, values, aliases=aliases)


_KEY = _COLUMNS.index("dedupe_key")


def _created_at(dialect: str):
    """Now, as the driver takes it (SQLite: the text SQLAlchemy writes)."""
    now = utcnow()
    return now.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else now


def row_values(dialect: str, office_id: int, account_id: int, rows: list[dict]) -> list[tuple]:
    """The rows as the insert takes them (tuples in _COLUMNS order), each key only once (the
    first of a page's duplicates goes in). Touches no database, so a sync prepares a page on
    the thread that fetched it while the page before is stored.

    Values as the driver takes them where SQLAlchemy's types would have converted them:
    dates as ISO text (SQLite stores that; PostgreSQL reads it from the page's JSON), on
    SQLite also the time as the text SQLAlchemy writes; enums as their value."""
    if not rows:
        return []
    unknown = set().union(*rows) - _ROW_KEYS
    if unknown:
        raise ValueError(f"not statement columns: {sorted(unknown)}")
    now = _created_at(dialect)
    norms: dict[str, str] = {}  # a page repeats its descriptions: each is normalised once
    values, seen = [], set()
    for r in rows:
        key = r["dedupe_key"]
        if key in seen:
            continue
        seen.add(key)
        norm = r.get("description_norm")
        if norm is None:
            text = r.get("description") or ""
            norm = norms.get(text)
            if norm is None:
                norm = norms[text] = norm_description(text)
        source = _SOURCES.get(r["source"])
        if source is None:
            raise ValueError(f"not a statement source: {r['source']!r}")
        values.append((office_id, account_id, _iso_day(r["transaction_date"]),
                       _iso_day(r.get("value_date")), r["amount"], r.get("description", ""), norm,
                       r.get("balance_after"), r.get("balance_derived", False), r.get("memo", ""),
                       source, key, r.get("sync_run_id"), r.get("import_id"), now))
    return values


# A bank line as bank_row_values takes it: (item key, transaction date, value date, amount,
# description, balance after), amounts in minor units.
BankLine = tuple[str, date, date | None, int, str, int | None]


def bank_row_values(dialect: str, office_id: int, account_id: int, sync_run_id: int,
                    lines: Iterable[BankLine]) -> list[tuple]:
    """row_values for a page from the bank, built from its lines with no dict per row (a
    sync's pages were made into dicts, then the dicts into values: twice the time, 2 µs a
    row against 1). Each item key only once, as row_values."""
    now = _created_at(dialect)
    norms: dict[str, str] = {}
    days: dict[date | None, str | None] = {None: None}  # a page's rows share a few days
    values, seen = [], set()
    api = StatementSource.API.value
    for item_key, day, value_day, amount, text, balance in lines:
        key = "api:" + item_key
        if key in seen:
            continue
        seen.add(key)
        norm = norms.get(text)
        if norm is None:
            norm = norms[text] = norm_description(text)
        iso = days.get(day)
        if iso is None:
            iso = days[day] = day.isoformat()
        value_iso = days.get(value_day)
        if value_iso is None and value_day is not None:
            value_iso = days[value_day] = value_day.isoformat()
        values.append((office_id, account_id, iso, value_iso, amount, text, norm, balance, False, "",
                       api, key, sync_run_id, None, now))
    return values


def insert_values(session: Session, account_id: int, values: list[tuple], *,
                  aliases: bool | None = None) -> Stored:
    """Insert what row_values gave for `account_id`: see insert_statements."""
    if not values:
        return Stored(0, [], set())
    if aliases is None:
        aliases = has_aliases(session, account_id)
    if aliases:
        aliased = set(session.exec(select(StatementAlias.dedupe_key).where(
            StatementAlias.account_id == account_id,
            StatementAlias.dedupe_key.in_([v[_KEY] for v in values]))))
        values = [v for v in values if v[_KEY] not in aliased]
        if not values:
            return Stored(0, [], set())
    return _insert_ignoring_duplicates(session, values)


def days_with_rows(session: Session, account_id: int, first: date, last: date) -> list[date]:
    """The days of [first, last] the account has statements on (its date index alone)."""
    return list(session.exec(select(Statement.transaction_date).distinct().where(
        Statement.account_id == account_id, Statement.transaction_date >= first,
        Statement.transaction_date <= last)))


def count_statements(session: Session, account_id: int) -> int:
    """From the per-day counts every writer keeps (ledger_stats), not a COUNT of the ledger."""
    return ledger_stats.totals(session, account_id)[0]


@dataclass(frozen=True)
class StatementPage:
    rows: list[Statement]
    next_cursor: str | None


def after_key(query, key: tuple[date, int] | None, *, newest_first: bool):
    """Keyset paging on (transaction_date, id), the ledger's order: one row-value comparison,
    which the (account_id, transaction_date, id) index answers directly."""
    if key is None:
        return query
    row = tuple_(Statement.transaction_date, Statement.id)
    return query.where(row < tuple_(*key) if newest_first else row > tuple_(*key))


def list_statements(session: Session, account: Account, *, limit: int,
                    date_from: date | None = None, date_to: date | None = None,
                    cursor: tuple[date, int] | None = None) -> StatementPage:
    """Newest first, keyset-paginated on (transaction_date, id): stable and index-backed.
    `cursor` is the (date, id) of the last row of the page before (the form reads it)."""
    q = select(Statement).where(Statement.account_id == account.id,
                                Statement.office_id == account.office_id)
    if date_from:
        q = q.where(Statement.transaction_date >= date_from)
    # Past the cursor no row is later than its day: the tighter of the two upper bounds is
    # given as a plain date, the range SQLite's planner seeks on (it does not take one from
    # the row value when a date filter is there too); the row value then drops that day's rest.
    upper = date_to
    if cursor is not None:
        upper = cursor[0] if upper is None else min(upper, cursor[0])
    if upper:
        q = q.where(Statement.transaction_date <= upper)
    q = after_key(q, cursor, newest_first=True)
    rows = list(session.exec(q.order_by(Statement.transaction_date.desc(), Statement.id.desc())
                             .limit(limit + 1)))
    nxt = None
    if len(rows) > limit:
        rows = rows[:limit]
        nxt = f"{rows[-1].transaction_date.isoformat()}_{rows[-1].id}"
    return StatementPage(rows, nxt)


EXPORT_COLUMNS = (Statement.transaction_date, Statement.value_date, Statement.amount,
                  Statement.description, Statement.balance_after, Statement.memo)


_LEDGER = DriverQuery(lambda: select(*EXPORT_COLUMNS)
                      .where(Statement.account_id == bindparam("account_id", 0))
                      .order_by(Statement.transaction_date, Statement.id))


def ledger_in_order(engine: Engine, account_id: int, batch: int = 2000) -> Iterator[tuple]:
    """Every statement of an account, oldest first, as tuples of EXPORT_COLUMNS as the
    driver gives them (SQLite: dates as ISO text): one query streamed through a server-side
    cursor (PostgreSQL) or SQLite's own, `batch` rows at a time, on a connection of its own
    (a streamed download outlives the request and its session). Memory stays one batch,
    whatever the length of the ledger; no Row object or date conversion per row (they were
    most of an export's time)."""
    with engine.connect() as conn:
        yield from _LEDGER.stream(conn, batch, account_id=account_id)


def totals(session: Session, account_id: int) -> tuple[int, int]:
    """(count, sum of amounts), from the per-day figures kept as rows are written."""
    return ledger_stats.totals(session, account_id)


def balance_breaks(session: Session, account: Account, limit: int = 3):
    """Where prev.balance + amount != balance: a missing or doubled row; flagged, never guessed.
    Kept as rows are written (ledger_stats): reading them is one small indexed query."""
    return ledger_stats.first_breaks(session, account.id, limit)
