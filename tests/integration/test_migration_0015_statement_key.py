"""Migration 0015 (one foreign key (account_id, office_id) → account) on SQLite and
PostgreSQL: a statement can no longer name another office than its account's, the rows, the
AUTOINCREMENT high-water mark and the change feed's triggers survive SQLite's copy of the
table, the schema is as the models say, and it goes down and up."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from portal import migrate
from tests.integration.test_migration_0004_sqlite_and_postgres import (
    _drift,
    engine,  # noqa: F401 (fixture)
)
from tests.integration.test_migration_0013_feed import SETUP, _add

STATEMENT = ("INSERT INTO statement (office_id, account_id, transaction_date, amount, description, "
             "description_norm, source, dedupe_key, created_at, balance_derived, memo) VALUES "
             "(:o, :a, '2024-04-02', 5, 'x', 'X', 'manual', :k, '2024-04-02', false, '')")


def _state(db_engine) -> tuple:
    with db_engine.connect() as conn:
        return (conn.execute(text("SELECT id, office_id, account_id, dedupe_key, memo FROM statement "
                                  "ORDER BY id")).all(),
                conn.execute(text("SELECT kind, statement_id FROM statement_change ORDER BY id")).all())


def test_0015_keeps_the_ledger_and_holds_a_statement_to_its_accounts_office(engine):  # noqa: F811
    migrate.upgrade(engine, "0014")
    with engine.begin() as conn:
        for sql in SETUP.strip().split(";"):
            conn.execute(text(sql))
        for key in ("a1", "a2", "a3"):
            _add(conn, 1, key)
        _add(conn, 2, "b1")
        conn.execute(text("DELETE FROM statement WHERE dedupe_key = 'b1'"))  # the newest goes
    before = _state(engine)
    migrate.upgrade(engine)
    assert _drift(engine) == []
    assert _state(engine) == before
    with engine.begin() as conn:
        _add(conn, 2, "b2")  # a new id, not the removed newest one's
        ids = [r[0] for r in conn.execute(text("SELECT id FROM statement ORDER BY id")).all()]
        assert ids[-1] == 5 and ids[:-1] == [1, 2, 3]
        # The feed's triggers are there again: an edit and a booking line are recorded.
        conn.execute(text("UPDATE statement SET memo = 'm' WHERE dedupe_key = 'a1'"))
    assert _state(engine)[1][-1] == ("modified", 1)
    # Account 1 is office 1's: filing a statement of it under office 2 is refused.
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(STATEMENT), {"o": 2, "a": 1, "k": "wrong"})
    migrate.downgrade(engine, "0014")
    with engine.begin() as conn:  # as before 0015: two keys, the mismatch not caught
        conn.execute(text(STATEMENT), {"o": 2, "a": 1, "k": "slips"})
        slipped = conn.execute(text("SELECT id FROM statement WHERE dedupe_key = 'slips'")).scalar()
        conn.execute(text("DELETE FROM statement WHERE dedupe_key = 'slips'"))
    migrate.upgrade(engine)  # SQLite copies the table a second time
    assert _drift(engine) == []
    with engine.begin() as conn:
        _add(conn, 1, "a4")
        assert conn.execute(text("SELECT max(id) FROM statement")).scalar() > slipped
