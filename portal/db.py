"""Engine and sessions. A request gets one connection, and one session on it; jobs open their own."""
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g
from sqlalchemy import Connection, Engine, create_engine, event
from sqlmodel import Session

from . import private_files


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # check_same_thread off: the scheduler's worker threads use their own sessions
        # on the same engine; WAL lets readers go on while a sync writes.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        path = private_files.sqlite_path(url)
        if path is not None:
            private_files.prepare_sqlite(path)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            if path is not None:  # WAL made -wal and -shm: 0600 like the database (private_files)
                private_files.sqlite_connected(path)

        return engine
    return create_engine(url, pool_pre_ping=True)


def get_engine() -> Engine:
    return current_app.extensions["db_engine"]


def request_connection() -> Connection:
    """The request's one database connection, checked out on first use. The user's lookup
    and a poll's query run on it bare; the request's session, if any, runs on it too."""
    if "db_conn" not in g:
        g.db_conn = get_engine().connect()
    return g.db_conn


def get_session() -> Session:
    """The request's session, opened on first use and closed at teardown. It runs on the
    request's connection and owns its transaction: commit and rollback act on it."""
    if "db" not in g:
        g.db = Session(bind=request_connection(), expire_on_commit=False,
                       join_transaction_mode="control_fully")
    return g.db


def close_session(_exc=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()
    conn = g.pop("db_conn", None)
    if conn is not None:
        conn.close()  # rolls back what nobody committed


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session

