"""A PostgreSQL database of its own for a test or a bench run, dropped afterwards.

Used when a server answers at TSUNAGU_TEST_POSTGRES_URL (default: the local cluster)."""
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

ADMIN_URL = os.environ.get("TSUNAGU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1/postgres")


def server_answers() -> bool:
    try:
        engine = create_engine(ADMIN_URL, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@contextmanager
def portal_database(dialect: str) -> Iterator[dict]:
    """The settings that put a portal on `dialect`: none for SQLite (portal_config's own
    file), a fresh PostgreSQL database otherwise; the test is skipped when no server answers."""
    if dialect == "sqlite":
        yield {}
        return
    if not server_answers():
        import pytest

        pytest.skip("no PostgreSQL server answers")
    with fresh_database() as url:
        yield {"DATABASE_URL": url}


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database; dropped (connections and all) on the way out."""
    name = f"tsunagu_test_{secrets.token_hex(4)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def migrated_engine(dialect: str, folder) -> Iterator:
    """An engine on a new database at the schema's head: a SQLite file in `folder`, or a
    fresh PostgreSQL database (the caller skips when no server answers)."""
    from portal import migrate
    from portal.db import make_engine

    if dialect == "sqlite":
        engine = make_engine(f"sqlite:///{folder / 'tsunagu.sqlite'}")
        migrate.upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    with fresh_database() as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()
