"""Hot queries as the driver's own SQL: a Core select compiled once per database and run
without building, compiling or converting anything per call. For the queries every request
or every poll runs, where SQLAlchemy's per-call work cost more than the query itself.

Rows come back as the driver gives them (SQLite: dates as text, booleans as 0/1)."""
from collections.abc import Callable, Iterator

from sqlalchemy import Connection, CursorResult, Dialect, Select
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

    def execute(self, session: Session, **params) -> CursorResult:
        conn = session.connection()
        sql, order, defaults = self._for(conn.dialect)
        values = {**defaults, **params}
        return conn.exec_driver_sql(sql, tuple(values[k] for k in order) if order else values)

    def stream(self, conn: Connection, batch: int, **params) -> Iterator[tuple]:
        """The rows as the driver's tuples, `batch` at a time through one cursor: on
        PostgreSQL a server-side (named) cursor, on SQLite its own stepping cursor. Memory
        stays one batch however many rows; no Row object or type conversion per row."""
        sql, order, defaults = self._for(conn.dialect)
        values = {**defaults, **params}
        args = tuple(values[k] for k in order) if order else values
        driver = conn.connection.driver_connection
        named = conn.dialect.name == "postgresql"
        cursor = driver.cursor(name=f"stream_{id(self):x}") if named else driver.cursor()
        try:
            cursor.execute(sql, args)
            while rows := cursor.fetchmany(batch):
                yield from rows
        finally:
            cursor.close()
