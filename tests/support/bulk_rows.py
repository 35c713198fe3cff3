"""Rows loaded with the bare driver, for the benches that build large ledgers: sqlite3
executemany, or psycopg COPY on PostgreSQL. Values go in as SQLAlchemy would store them."""
import sqlite3
from collections.abc import Iterable
from datetime import date, datetime


def pg_dsn(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as psycopg takes it."""
    return url.replace("postgresql+psycopg", "postgresql")


def _sqlite_values(row: tuple) -> tuple:
    """Dates as SQLAlchemy writes them to SQLite (text)."""
    return tuple(v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime)
                 else v.isoformat() if isinstance(v, date) else v for v in row)


def insert_rows(url: str, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                         f"({', '.join('?' * len(columns))})", (_sqlite_values(r) for r in rows))
        conn.commit()
        conn.close()
        return
    import psycopg

    with psycopg.connect(pg_dsn(url)) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
