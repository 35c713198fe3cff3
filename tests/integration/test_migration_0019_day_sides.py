"""Migration 0019 (per day, the bank's rows and the file rows an API key also names) on
SQLite and PostgreSQL: the days held before it get their figures as a recount gives them,
the schema is as the models say, and it goes down and up."""
from sqlalchemy import text
from sqlmodel import Session

from portal import migrate
from portal.ledger.day_sides import DaySides
from portal.services import ledger_stats
from tests.integration.test_migration_0004_sqlite_and_postgres import (
    _drift,
    engine,  # noqa: F401 (fixture)
)
from tests.integration.test_migration_0013_feed import SETUP
from tests.support.ledger_checks import recomputed_sides

ROWS = [  # account, day, amount, source, key
    (1, "2024-04-01", -100, "csv", "csv:a"), (1, "2024-04-01", 50, "csv", "csv:b"),
    (1, "2024-04-02", -200, "csv", "csv:c"), (1, "2024-04-02", -200, "api", "api:c2"),
    (1, "2024-04-02", 7, "api", "api:d"), (1, "2024-04-03", 9, "manual", "manual:e"),
    (2, "2024-04-02", 1000, "api", "api:f"),
]
ALIASES = [("api:a", "csv:a"), ("csv:old", "csv:b"), ("api:c", "csv:c")]  # key, of the row


def test_0019_fills_the_sides_of_the_days_held(engine):  # noqa: F811
    migrate.upgrade(engine, "0018")
    with engine.begin() as conn:
        for sql in SETUP.strip().split(";"):
            conn.execute(text(sql))
        for account, day, amount, source, key in ROWS:
            conn.execute(text(
                "INSERT INTO statement (office_id, account_id, transaction_date, amount, description, "
                "description_norm, source, dedupe_key, created_at, balance_derived, memo) VALUES "
                "(:a, :a, :d, :m, 'x', 'X', :s, :k, '2024-04-01', false, '')"),
                {"a": account, "d": day, "m": amount, "s": source, "k": key})
        for key, of in ALIASES:
            conn.execute(text(
                "INSERT INTO statement_alias (office_id, account_id, dedupe_key, statement_id, "
                "created_at) SELECT office_id, account_id, :k, id, '2024-04-05' FROM statement "
                "WHERE dedupe_key = :of"), {"k": key, "of": of})
        # The days as 0008 and the writers kept them (their chain figures play no part here).
        conn.execute(text(
            "INSERT INTO ledger_day (account_id, office_id, day, rows, amount_sum, in_sum, out_sum, "
            "lead, tail) SELECT account_id, office_id, transaction_date, count(*), sum(amount), 0, "
            "0, 0, 0 FROM statement GROUP BY account_id, office_id, transaction_date"))
    migrate.upgrade(engine)
    assert _drift(engine) == []
    with Session(engine) as s:
        for account_id in (1, 2):
            assert ledger_stats.kept_sides(s, account_id) == recomputed_sides(s, account_id)
        days = ledger_stats.kept_sides(s, 1)
    assert [days[d] for d in sorted(days)] == [
        DaySides(linked_rows=1, linked_sum=-100),  # csv:a; csv:b's key is no bank's
        DaySides(api_rows=2, api_sum=-193, linked_rows=1, linked_sum=-200),
        DaySides()]
    migrate.downgrade(engine, "0018")
    with engine.connect() as conn:
        assert "api_rows" not in conn.execute(text("SELECT * FROM ledger_day")).keys()
    migrate.upgrade(engine)
    assert _drift(engine) == []
    with Session(engine) as s:
        assert ledger_stats.kept_sides(s, 1) == days
