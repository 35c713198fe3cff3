"""Engine and sessions. Views get one session per request; jobs open their own."""
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g
from sqlalchemy import Engine, create_engine, event
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


def get_session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = Session(get_engine(), expire_on_commit=False)
    return g.db


def close_session(_exc=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session

