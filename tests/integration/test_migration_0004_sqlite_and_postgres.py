"""Migration 0004 on a database that already holds statements, on SQLite and PostgreSQL: the
schema ends up as the models say, balances of accounts without an API are filled in, manual
entries without 残高 are marked as carried, and it goes down and up again."""
import secrets

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

import portal.models  # noqa: F401  (the metadata compared with the database)
from portal import migrate
from portal.db import make_engine
from tests.support.postgres import ADMIN_URL
from tests.support.postgres import server_answers as _server_answers

ROWS = """
INSERT INTO office (id, name, created_at) VALUES (1, 'o', '2024-01-01');
INSERT INTO account (id, office_id, name, bank_code, kind, sync_method, currency, sync_state,
  statement_count, created_at, balance) VALUES
  (1, 1, 'files', '0005', 'personal', 'manual', 'JPY', 'never', 3, '2024-01-01', NULL),
  (2, 1, 'api', '0001', 'personal', 'api', 'JPY', 'done', 1, '2024-01-01', 777),
  (3, 1, 'empty', '0005', 'personal', 'manual', 'JPY', 'never', 0, '2024-01-01', NULL);
INSERT INTO statement (id, office_id, account_id, transaction_date, amount, description,
  description_norm, balance_after, source, dedupe_key, created_at) VALUES
  (1, 1, 1, '2024-04-01', 100, 'a', 'A', 1100, 'csv', 'csv:1', '2024-01-01'),
  (2, 1, 1, '2024-04-02', -50, 'b', 'B', NULL, 'manual', 'manual:1', '2024-01-01'),
  (3, 1, 1, '2024-03-01', 10, 'c', 'C', 999, 'csv', 'csv:2', '2024-01-01'),
  (4, 1, 2, '2024-04-05', 10, 'd', 'D', 5, 'api', 'api:1', '2024-01-01');
INSERT INTO statement_alias (office_id, account_id, dedupe_key, statement_id, created_at)
  VALUES (1, 1, 'api:9', 1, '2024-01-01');
"""


def _sqlite(tmp_path):
    yield make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")


def _postgres(_tmp_path):
    if not _server_answers():
        pytest.skip("no PostgreSQL server answers")
    name = f"tsunagu_mig_{secrets.token_hex(4)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=[_sqlite, _postgres], ids=["sqlite", "postgres"])
def engine(request, tmp_path):
    yield from request.param(tmp_path)


def _drift(engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                SQLModel.metadata)


def test_0004_on_a_database_with_statements(engine):
    migrate.upgrade(engine, "0003")
    with engine.begin() as conn:
        for statement in ROWS.strip().split(";"):
            if statement.strip():
                conn.execute(text(statement))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        accounts = conn.execute(text("SELECT id, balance, balance_date FROM account ORDER BY id")).all()
        rows = conn.execute(text(
            "SELECT id, balance_derived, memo, import_id FROM statement ORDER BY id")).all()
    assert [(a[0], a[1], str(a[2]) if a[2] else None) for a in accounts] == [
        (1, 1100, "2024-04-01"),  # the latest row carrying a balance, not the later manual one
        (2, 777, None),  # an API account keeps the bank's figure
        (3, None, None),
    ]
    assert [(r[0], bool(r[1]), r[2], r[3]) for r in rows] == [
        (1, False, "", None), (2, True, "", None), (3, False, "", None), (4, False, "", None)]
    assert _drift(engine) == []
    # Down and up again, with statement_alias rows pointing at the statements.
    migrate.downgrade(engine, "0003")
    migrate.upgrade(engine)
    assert _drift(engine) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM statement_alias")).scalar() == 1
