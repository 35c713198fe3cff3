"""Migration 0013 (added statements read from the statement table) on SQLite and PostgreSQL:
a cursor handed out before it still resumes exactly where its client stopped, new rows no
longer write an 'added' change, the schema is as the models say, and it goes down and up."""
import base64

from sqlalchemy import text
from sqlmodel import Session

from portal import migrate
from portal.services import statement_feed
from tests.integration.test_migration_0004_sqlite_and_postgres import (
    _drift,
    engine,  # noqa: F401 (fixture)
)

SETUP = """
INSERT INTO office (id, name, created_at, require_two_factor) VALUES (1, 'o', '2024-01-01', false);
INSERT INTO office (id, name, created_at, require_two_factor) VALUES (2, 'p', '2024-01-01', false);
INSERT INTO account (id, office_id, name, bank_code, kind, sync_method, currency, sync_state,
  statement_count, created_at) VALUES
  (1, 1, 'a', '0005', 'personal', 'manual', 'JPY', 'never', 0, '2024-01-01'),
  (2, 2, 'b', '0005', 'personal', 'manual', 'JPY', 'never', 0, '2024-01-01')
"""


def _add(conn, account_id: int, key: str) -> None:
    conn.execute(text(
        "INSERT INTO statement (office_id, account_id, transaction_date, amount, description, "
        "description_norm, source, dedupe_key, created_at, balance_derived, memo) VALUES "
        "(:a, :a, '2024-04-01', 100, :k, :k, 'manual', :k, '2024-04-01', false, '')"),
        {"a": account_id, "k": key})


def _v1(txid: int, change_id: int) -> str:
    return base64.urlsafe_b64encode(f"v1.{txid}.{change_id}".encode()).decode().rstrip("=")


def _keys(page) -> list[str]:
    return [s.dedupe_key for s, _booked in page.added]


def test_a_cursor_from_before_0013_resumes_where_it_stopped(engine):  # noqa: F811
    migrate.upgrade(engine, "0012")
    with engine.begin() as conn:
        for sql in SETUP.strip().split(";"):
            conn.execute(text(sql))
        for key in ("a1", "a2"):
            _add(conn, 1, key)
        _add(conn, 2, "other")
    with engine.begin() as conn:
        _add(conn, 1, "a3")
        conn.execute(text("UPDATE statement SET memo = 'm' WHERE dedupe_key = 'a1'"))
    with engine.connect() as conn:
        # A client of 0012 that was handed a1 and a2: its cursor is a2's 'added' change.
        seen = conn.execute(text("SELECT txid, id FROM statement_change WHERE kind = 'added' AND "
                                 "statement_id = (SELECT id FROM statement WHERE dedupe_key = 'a2')")).one()
    migrate.upgrade(engine)
    assert _drift(engine) == []
    with engine.begin() as conn:
        _add(conn, 1, "a4")
        added_rows = conn.execute(text("SELECT count(*) FROM statement_change WHERE kind = 'added'")).scalar()
    assert added_rows == 4  # from before 0013 only: a4 wrote none

    with Session(engine) as s:
        page = statement_feed.page(s, 1, _v1(*seen), 10)
        assert _keys(page) == ["a3", "a4"]  # nothing handed out before, nothing left out
        assert [st.dedupe_key for st, _b in page.modified] == ["a1"]
        assert not page.has_more
        again = statement_feed.page(s, 1, page.next_cursor, 10)
        assert (again.added, again.modified, again.removed) == ([], [], [])
        assert _keys(statement_feed.page(s, 1, None, 10)) == ["a1", "a2", "a3", "a4"]
        assert _keys(statement_feed.page(s, 2, None, 10)) == ["other"]

    # Down (the 'added' rows of statements since are written, as 0012's trigger would) and up.
    migrate.downgrade(engine, "0012")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM statement_change WHERE kind = 'added'")).scalar() == 5
    migrate.upgrade(engine)
    assert _drift(engine) == []
    with Session(engine) as s:
        assert _keys(statement_feed.page(s, 1, None, 10)) == ["a1", "a2", "a3", "a4"]
