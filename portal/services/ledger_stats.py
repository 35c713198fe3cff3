"""What is kept per account so that no page recounts the ledger (issue 10, goal 3).

Every writer of statements calls `touched` with the days it inserted, changed or deleted
rows on, in the same transaction; the figures for those days are brought up to date.

Per day (LedgerDay): count, sums, what the balance chain needs (ledger.day_chain) and how
many rows, for what sum, the bank sent or also sent (ledger.day_sides). Breaks
in the chain (LedgerBreak): those inside a touched day, recomputed from its rows, and the one
at the first balance of each balanced day whose anchor a touched day may have moved,
recomputed from the day rows in between. Everything is recomputed from the statements, never
adjusted by a difference: a write that went wrong is mended by the next write on that day.

A writer that knows the rows it inserted (`written`) spares the read-back of a day whose
rows are all its own, which is most days of a first sync: the day's rows are counted on the
date index, and only where the count is the writer's own are its rows taken as the day's.
"""
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from itertools import groupby
from operator import itemgetter

from sqlalchemy import delete, func, insert, literal_column, select
from sqlmodel import Session

from ..driver_sql import as_date
from ..ledger.day_chain import Anchor, DayBreak, DaySummary, rebuild, summarise, walk
from ..ledger.day_sides import DaySides, Side, tally
from ..ledger.fingerprint import Break
from ..models import Account, LedgerBreak, LedgerDay, Statement

CHUNK = 500  # days per IN list

# A row an insert took: (order, transaction_date, amount, balance_after, side); the order
# is that of the rows' ids (statements.Stored). A new row is never LINKED: an alias names a
# row already held.
Inserted = tuple[int, date, int, int | None, Side]
# By day, (order, amount, balance_after, side) of rows a writer inserted; None: read the
# day back.
Written = Mapping[date, Sequence[tuple[int, int, int | None, Side]] | None]


def by_day(stored, into: dict | None = None) -> dict:
    """What an insert stored (statements.Stored: its rows, and the days it is unsure of)
    gathered by day into `into` (a new dict by default). A day marked None, to be read
    back, stays so."""
    written = {} if into is None else into
    for row_order, day, amount, balance, side in stored.rows:
        rows = written.get(day, ())
        if rows is None:
            continue
        if not rows:
            rows = written[day] = []
        rows.append((row_order, amount, balance, side))
    written.update(dict.fromkeys(stored.unsure))
    return written


def _lock(session: Session, account_id: int) -> None:
    """Writers of one account take its row first (PostgreSQL; SQLite has one writer anyway),
    so each reads the statements the one before it committed: no lost update of a day."""
    session.execute(select(Account.id).where(Account.id == account_id).with_for_update())


def _break_values(account_id: int, office_id: int, b: DayBreak) -> dict:
    return {"account_id": account_id, "office_id": office_id, "day": b.day, "position": b.position,
            "previous_date": b.previous_date, "expected": b.expected, "actual": b.actual,
            "crossing": b.crossing}


def _office_of(session: Session, account_id: int) -> int:
    return session.execute(select(Account.office_id).where(Account.id == account_id)).scalar_one()


def touched(session: Session, account_id: int, days: Iterable[date],
            written: Written | None = None) -> None:
    """Bring the kept figures of `account_id` up to date for `days` (work bounded by the rows
    on those days, never by the whole ledger). Called before the caller commits. `written`:
    rows the caller inserted on some of those days (see by_day); a day is read back unless
    they are all of its rows."""
    days = sorted(set(days))
    if not days:
        return
    session.flush()
    _lock(session, account_id)
    office_id = _office_of(session, account_id)
    for start in range(0, len(days), CHUNK):
        _recompute_days(session, account_id, office_id, days[start:start + CHUNK], written or {})
    _recompute_crossings(session, account_id, office_id, days)


def _sql(text: str) -> dict[str, str]:
    """`text` for each database: {p} a parameter, {days} "is one of the days" (one JSON
    parameter on SQLite, one array on PostgreSQL), {side} a statement's Side (SIDE_SQL)."""
    return {"sqlite": text.format(p="?", days="IN (SELECT value FROM json_each(?))", side=SIDE_SQL),
            "postgresql": text.format(p="%s", days="= ANY(%s)", side=SIDE_SQL)}


# A statement's Side (day_sides): the bank's, a file row an API key also names, or neither.
# (substr, not LIKE: no percent sign for either driver's parameter style to read.)
SIDE_SQL = ("CASE WHEN statement.source = 'api' THEN 1 WHEN EXISTS (SELECT 1 FROM statement_alias "
            "WHERE statement_alias.statement_id = statement.id "
            "AND substr(statement_alias.dedupe_key, 1, 4) = 'api:') THEN 2 ELSE 0 END")
# The read-back of a chunk of days, one parameter for all of them (the days of a chunk vary).
_DAY_ROWS = _sql("SELECT transaction_date, amount, balance_after, {side} FROM statement "
                 "WHERE account_id = {p} AND transaction_date {days} ORDER BY transaction_date, id")
# How many rows each of the days holds: the (account_id, transaction_date, id) index alone.
_DAY_COUNTS = _sql("SELECT transaction_date, count(*) FROM statement "
                   "WHERE account_id = {p} AND transaction_date {days} GROUP BY transaction_date")


def _by_days(session: Session, sql: dict, account_id: int, days: list[date], *extra) -> list:
    """Driver SQL over a list of days, one parameter for all of them (after the account and
    before `extra`); rows as the driver gives them (SQLite: dates as ISO text). Driver SQL:
    a sync reads back every row it wrote through here, and converting each row's date was
    most of that time."""
    conn = session.connection()
    param = json.dumps([d.isoformat() for d in days]) if conn.dialect.name == "sqlite" else days
    result = conn.exec_driver_sql(sql[conn.dialect.name], (account_id, param, *extra))
    return result.all() if result.returns_rows else []


# The writes of a chunk of days, in the driver's SQL: through the ORM, building, compiling
# and binding them cost a sync more than the database's work (a day row per day of ledger).
_DELETE_DAYS = _sql("DELETE FROM ledger_day WHERE account_id = {p} AND day {days}")
_DELETE_BREAKS = _sql("DELETE FROM ledger_break WHERE account_id = {p} AND day {days}")
_DELETE_CROSSINGS = _sql("DELETE FROM ledger_break WHERE account_id = {p} AND day {days} "
                         "AND crossing = {p}")
_INSERT_DAYS = _sql("INSERT INTO ledger_day (account_id, office_id, day, rows, amount_sum, in_sum, "
                    "out_sum, lead, first_balance, first_pos, last_balance, tail, api_rows, "
                    "api_sum, linked_rows, linked_sum) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, "
                    "{p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})")
# The day rows from a day on, up to another (or to the end): the crossings' walk.
_DAYS_FROM = _sql("SELECT day, rows, amount_sum, in_sum, out_sum, lead, first_balance, first_pos, "
                  "last_balance, tail FROM ledger_day WHERE account_id = {p} AND day >= {p} "
                  "AND day <= {p} ORDER BY day")


def _insert_days(session: Session, account_id: int, office_id: int,
                 days: list[tuple[DaySummary, DaySides]]) -> None:
    conn = session.connection()
    iso = conn.dialect.name == "sqlite"  # SQLite keeps a date as its ISO text
    conn.exec_driver_sql(_INSERT_DAYS[conn.dialect.name], [
        (account_id, office_id, s.day.isoformat() if iso else s.day, s.rows, s.amount_sum,
         s.in_sum, s.out_sum, s.lead, s.first_balance, s.first_pos, s.last_balance, s.tail,
         t.api_rows, t.api_sum, t.linked_rows, t.linked_sum)
        for s, t in days])


def _days_from(session: Session, account_id: int, first: date, last: date | None) -> Iterable[DaySummary]:
    conn = session.connection()
    bounds = (first, last or date.max)
    if conn.dialect.name == "sqlite":
        bounds = tuple(d.isoformat() for d in bounds)
    for row in conn.exec_driver_sql(_DAYS_FROM[conn.dialect.name], (account_id, *bounds)):
        yield DaySummary(as_date(row[0]), *row[1:])


def _all_written(session: Session, account_id: int, chunk: list[date], written: Written) -> set[date]:
    """The chunk's days whose rows are exactly the rows `written` holds for them: as many
    rows on the day as the writer inserted (a rolled-back insert leaves fewer, another
    writer's rows more, and either day is read back)."""
    known = [d for d in chunk if written.get(d)]
    if not known:
        return set()
    counts = {as_date(d): n for d, n in _by_days(session, _DAY_COUNTS, account_id, known)}
    return {day for day in known if counts.get(day) == len(written[day])}


def _day_figures(day: date, rows: list[tuple]) -> tuple[tuple[DaySummary, DaySides], list[DayBreak]]:
    """A day's kept figures and inner breaks from its rows in ledger order (id order within
    the day), each (order or date, amount, balance_after, side): a writer's own rows and the
    rows read back alike."""
    summary, inner = summarise(day, [(r[1], r[2]) for r in rows])
    return (summary, tally([(r[1], r[3]) for r in rows])), inner


def _recompute_days(session: Session, account_id: int, office_id: int, chunk: list[date],
                    written: Written) -> None:
    own = _all_written(session, account_id, chunk, written)
    stale = [d for d in chunk if d not in own]
    rows = _by_days(session, _DAY_ROWS, account_id, stale) if stale else []
    figures = [_day_figures(day, sorted(written[day])) for day in own]  # in the order they went in
    figures += [_day_figures(as_date(day), list(day_rows))
                for day, day_rows in groupby(rows, key=itemgetter(0))]
    summaries = [days for days, _inner in figures]
    breaks = [b for _days, inner in figures for b in inner]
    _by_days(session, _DELETE_DAYS, account_id, chunk)
    _by_days(session, _DELETE_BREAKS, account_id, chunk)
    if summaries:
        _insert_days(session, account_id, office_id, summaries)
    if breaks:
        session.execute(insert(LedgerBreak), [_break_values(account_id, office_id, b) for b in breaks])


def _recompute_crossings(session: Session, account_id: int, office_id: int, days: list[date]) -> None:
    """The break at the first balance of every balanced day from the first touched day to
    the first balanced day after the last one: a walk over day rows, not statements."""
    mine = LedgerDay.account_id == account_id
    before = session.execute(select(LedgerDay.day, LedgerDay.last_balance, LedgerDay.tail).where(
        mine, LedgerDay.day < days[0], LedgerDay.last_balance.is_not(None))
        .order_by(LedgerDay.day.desc()).limit(1)).first()
    anchor = None
    if before is not None:
        gap = session.execute(select(func.coalesce(func.sum(LedgerDay.amount_sum), 0)).where(
            mine, LedgerDay.day > before.day, LedgerDay.day < days[0])).scalar_one()
        anchor = Anchor(before.day, before.last_balance, before.tail + int(gap))
    end = session.execute(select(LedgerDay.day).where(
        mine, LedgerDay.day > days[-1], LedgerDay.first_balance.is_not(None))
        .order_by(LedgerDay.day).limit(1)).scalar()
    recheck, crossing = walk(anchor, _days_from(session, account_id, days[0], end), days)
    for start in range(0, len(recheck), CHUNK):
        _by_days(session, _DELETE_CROSSINGS, account_id, recheck[start:start + CHUNK], True)
    if crossing:
        session.execute(insert(LedgerBreak), [_break_values(account_id, office_id, b) for b in crossing])


def _recount(session: Session, account_id: int) -> tuple[list[tuple[DaySummary, DaySides]], list[DayBreak]]:
    """Every day's figures and every break, from the account's statements in one ordered
    read (a row per day held in memory, not a row per statement)."""
    rows = session.execute(select(Statement.transaction_date, Statement.amount, Statement.balance_after,
                                  literal_column(SIDE_SQL))
                           .where(Statement.account_id == account_id)
                           .order_by(Statement.transaction_date, Statement.id)
                           .execution_options(yield_per=10_000))
    sides: dict[date, DaySides] = {}

    def chain_rows():  # each day's sides tallied on the way through
        for day, day_rows in groupby(rows, key=itemgetter(0)):
            day_rows = list(day_rows)
            sides[day] = tally([(r[1], r[3]) for r in day_rows])
            yield from (r[:3] for r in day_rows)

    summaries, breaks = rebuild(chain_rows())
    return [(s, sides[s.day]) for s in summaries], breaks


def rebuild_account(session: Session, account_id: int) -> None:
    """Every figure of the account from scratch, in one ordered read of its ledger: the
    backfill, and the repair should the kept figures ever be doubted (`flask ledger
    rebuild`)."""
    _lock(session, account_id)
    office_id = _office_of(session, account_id)
    days, breaks = _recount(session, account_id)
    session.execute(delete(LedgerDay).where(LedgerDay.account_id == account_id))
    session.execute(delete(LedgerBreak).where(LedgerBreak.account_id == account_id))
    for start in range(0, len(days), 5000):
        _insert_days(session, account_id, office_id, days[start:start + 5000])
    if breaks:
        session.execute(insert(LedgerBreak), [_break_values(account_id, office_id, b) for b in breaks])


def differing_days(session: Session, account_id: int) -> list[date]:
    """The days whose kept figures (or breaks) are not what a recount of the statements
    gives: none, unless rows were written past the portal (`flask ledger check`)."""
    days, breaks = _recount(session, account_id)
    kept_days, kept_breaks = kept(session, account_id)
    kept_by_side = kept_sides(session, account_id)
    held = {s.day: (s, kept_by_side.get(s.day)) for s in kept_days}
    counted = {s.day: (s, sides) for s, sides in days}
    wrong = {d for d in held.keys() | counted.keys() if held.get(d) != counted.get(d)}
    wrong |= {b.day for b in set(kept_breaks) ^ set(breaks)}
    return sorted(wrong)


def forget(session: Session, account_id: int) -> None:
    """The account goes: its figures with it (before the account row)."""
    session.execute(delete(LedgerBreak).where(LedgerBreak.account_id == account_id))
    session.execute(delete(LedgerDay).where(LedgerDay.account_id == account_id))


# --- read side: what the pages show ------------------------------------------------------

def totals(session: Session, account_id: int) -> tuple[int, int]:
    """(count, sum of amounts): one row per day summed, not one per statement."""
    count, total = session.execute(select(
        func.coalesce(func.sum(LedgerDay.rows), 0), func.coalesce(func.sum(LedgerDay.amount_sum), 0))
        .where(LedgerDay.account_id == account_id)).one()
    return int(count), int(total)


def first_breaks(session: Session, account_id: int, limit: int = 3) -> list[Break]:
    """The first `limit` breaks of the chain in ledger order, as check_balance_chain gives
    them (its `index` is the row's position in the whole ledger)."""
    found = session.execute(select(LedgerBreak.day, LedgerBreak.position, LedgerBreak.previous_date,
                                   LedgerBreak.expected, LedgerBreak.actual)
                            .where(LedgerBreak.account_id == account_id)
                            .order_by(LedgerBreak.day, LedgerBreak.position).limit(limit)).all()
    if not found:
        return []
    # The rows before each break's day: one statement, one summed range per break.
    earlier = session.execute(select(*(
        select(func.coalesce(func.sum(LedgerDay.rows), 0)).where(
            LedgerDay.account_id == account_id, LedgerDay.day < b.day).scalar_subquery()
        for b in found))).one()
    return [Break(int(n) + b.position, b.previous_date, b.day, b.expected, b.actual)
            for n, b in zip(earlier, found, strict=True)]


def sides_between(session: Session, account_id: int, first: date,
                  before: date) -> list[tuple[date, int, int, DaySides]]:
    """(day, rows, sum of amounts, sides) of each day from `first` up to `before` that holds
    rows: one kept row per day (cutover.check)."""
    found = session.execute(select(
        LedgerDay.day, LedgerDay.rows, LedgerDay.amount_sum, LedgerDay.api_rows, LedgerDay.api_sum,
        LedgerDay.linked_rows, LedgerDay.linked_sum).where(
        LedgerDay.account_id == account_id, LedgerDay.day >= first, LedgerDay.day < before)
        .order_by(LedgerDay.day)).all()
    return [(r[0], r[1], r[2], DaySides(*r[3:])) for r in found]


def kept(session: Session, account_id: int) -> tuple[list[DaySummary], list[DayBreak]]:
    """The kept figures as stored, in the shape `day_chain.rebuild` gives (tests compare)."""
    days = list(_days_from(session, account_id, date.min, None))
    breaks = [DayBreak(r.day, r.position, r.previous_date, r.expected, r.actual, r.crossing)
              for r in session.execute(select(LedgerBreak).where(LedgerBreak.account_id == account_id)
                                       .order_by(LedgerBreak.day, LedgerBreak.position)).scalars()]
    return days, breaks


def kept_sides(session: Session, account_id: int) -> dict[date, DaySides]:
    """Each kept day's sides as stored (tests compare)."""
    return {day: sides for day, _rows, _sum, sides in sides_between(session, account_id, date.min, date.max)}
