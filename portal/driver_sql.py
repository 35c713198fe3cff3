"""Hot queries as the driver's own SQL: a Core select compiled once per database and run
without building, compiling or converting anything per call. For the queries every request
or every poll runs, where SQLAlchemy's per-call work cost more than the query itself.

Rows come back as the driver gives them (SQLite: dates as text, booleans as 0/1)."""
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache

from sqlalchemy import Connection, Dialect, Select
from sqlmodel import Session


class DriverQuery:
    def __init__(self, build: Callable[[], Select]):
        self._build = build
        self._compiled: dict[Dialect, tuple[str, tuple[str, ...] | None, dict]] = {}

    def _for(self, dialect: Dialect) -> tuple[str, tuple[str, ...] | None, dict]:
        found = self._compiled.get(dialect)
        if found is None:  # two threads may both compile once: the same text either way
            compiled = self._build().compile(dialect=dialect)
            found = self._compiled[dialect] = (str(compiled), compiled.positiontup,
                                               dict(compiled.params))
        return found

    def _statement(self, dialect: Dialect, params: dict) -> tuple[str, tuple | dict]:
        """The SQL text for `dialect` and the parameters in the form its driver takes."""
        sql, order, defaults = self._for(dialect)
        values = {**defaults, **params}
        return sql, tuple(values[k] for k in order) if order else values

    def all(self, on: Session | Connection, **params) -> list[tuple]:
        """The rows as the driver's tuples, on the connection (or the session's) through the
        DBAPI cursor itself: no CursorResult or Row per call (on a signed-in request or a
        poll, SQLAlchemy's result set-up cost more than the query). The engine's
        cursor-execute listeners are told as for any statement, so SQL counts and timings
        still see it. A request passes its connection (db.request_connection): a poll then
        builds no ORM session at all."""
        conn = on if isinstance(on, Connection) else on.connection()
        sql, args = self._statement(conn.dialect, params)
        driver = conn.connection.driver_connection
        with _outside_a_transaction(conn, driver):
            cursor = driver.cursor()
            try:
                if conn.dispatch.before_cursor_execute:
                    conn.dispatch.before_cursor_execute(conn, cursor, sql, args, None, False)
                cursor.execute(sql, args)
                rows = cursor.fetchall()
                if conn.dispatch.after_cursor_execute:
                    conn.dispatch.after_cursor_execute(conn, cursor, sql, args, None, False)
                return rows
            finally:
                cursor.close()

    def stream(self, conn: Connection, batch: int, **params) -> Iterator[tuple]:
        """The rows as the driver's tuples, `batch` at a time through one cursor: on
        PostgreSQL a server-side (named) cursor, on SQLite its own stepping cursor. Memory
        stays one batch however many rows; no Row object or type conversion per row."""
        sql, args = self._statement(conn.dialect, params)
        driver = conn.connection.driver_connection
        named = conn.dialect.name == "postgresql"
        cursor = driver.cursor(name=f"stream_{id(self):x}") if named else driver.cursor()
        try:
            cursor.execute(sql, args)
            while rows := cursor.fetchmany(batch):
                yield from rows
        finally:
            cursor.close()


@contextmanager
def _outside_a_transaction(conn: Connection, driver) -> Iterator[None]:
    """A read on a connection in no transaction runs in autocommit on PostgreSQL: psycopg
    would send BEGIN before it and the pool ROLLBACK after it, two round trips more (a
    signed-in request made four with the pool's pre-ping, now two; each costs the web
    process about 80 µs of CPU). Inside a transaction (the ORM session's) it runs in that one.
    SQLite's driver begins no transaction for a read: nothing to do."""
    if (conn.dialect.name != "postgresql" or conn.in_transaction() or driver.autocommit
            or driver.info.transaction_status.name != "IDLE"):
        yield
        return
    driver.autocommit = True
    try:
        yield
    finally:
        if not driver.closed:
            driver.autocommit = False


def as_date(value: date | str) -> date:
    """A date as the driver gives it (SQLite: ISO text) as a date."""
    return value if isinstance(value, date) else _iso_date(value)


@lru_cache(maxsize=1024)
def _iso_date(iso: str) -> date:
    return date.fromisoformat(iso)  # cached: many rows share a day
