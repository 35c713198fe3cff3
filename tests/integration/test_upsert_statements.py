"""upsert_statements on SQLite and PostgreSQL: exact counts decided by the unique key, aliases
honoured, values stored as the ORM reads them, and the kept figures told which days changed."""
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from portal.models import Account, Office, Statement, StatementAlias
from portal.models.vocabulary import StatementSource
from portal.services import ledger_stats
from portal.services.statements import (
    bank_row_values,
    ready_inserts,
    row_values,
    run_inserts,
    upsert_statements,
)
from tests.support.postgres import migrated_engine, server_answers


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    if request.param == "postgresql" and not server_answers():
        pytest.skip("no PostgreSQL server answers")
    with migrated_engine(request.param, tmp_path) as engine:
        yield engine


@pytest.fixture
def touched(monkeypatch):
    calls = []
    monkeypatch.setattr(ledger_stats, "touched",
                        lambda session, account_id, days, written=None: calls.append((account_id, set(days))))
    return calls


def _accounts(engine, n=2) -> list[int]:
    with Session(engine) as s:
        office = Office(name="取込")
        s.add(office)
        s.flush()
        accounts = [Account(office_id=office.id, name=f"口座{i}", bank_code="0001",
                            kind="personal", sync_method="api") for i in range(n)]
        s.add_all(accounts)
        s.commit()
        return [a.id for a in accounts]


def row(key: str, day: int, amount: int = -100, **extra) -> dict:
    return {"transaction_date": date(2024, 5, day), "amount": amount, "description": "ｶｰﾄﾞ　(ｺﾝﾋﾞﾆ)",
            "source": StatementSource.API, "dedupe_key": f"api:{key}", **extra}


def upsert(engine, account_id: int, rows: list[dict]) -> int:
    with Session(engine) as s:
        added = upsert_statements(s, s.get(Account, account_id), rows)
        s.commit()
        return added


def keys(engine, account_id: int) -> list[str]:
    with Session(engine) as s:
        return list(s.exec(select(Statement.dedupe_key).where(Statement.account_id == account_id)
                           .order_by(Statement.id)))


def test_counts_are_exact_within_a_page_across_pages_and_per_account(engine, touched):
    first, other = _accounts(engine)
    page = [row("a", 1), row("b", 2), row("a", 1, amount=-999), row("c", 2)]
    assert upsert(engine, first, page) == 3  # "a" twice in one page: the first goes in
    assert touched == [(first, {date(2024, 5, 1), date(2024, 5, 2)})]
    # The next page repeats two keys (an overlap) and brings one new row.
    assert upsert(engine, first, [row("b", 2), row("c", 2), row("d", 3)]) == 1
    # Taken in part: which row went in is not known from the count, so every day of the
    # page is brought up to date from what is stored.
    assert touched[-1] == (first, {date(2024, 5, 2), date(2024, 5, 3)})
    assert upsert(engine, first, [row("a", 1), row("d", 3)]) == 0  # nothing new: not touched
    assert len(touched) == 2
    assert upsert(engine, other, [row("a", 1)]) == 1  # keys are per account
    assert keys(engine, first) == ["api:a", "api:b", "api:c", "api:d"]
    with Session(engine) as s:
        amount = s.exec(select(Statement.amount).where(Statement.account_id == first,
                                                       Statement.dedupe_key == "api:a")).one()
    assert amount == -100


def test_keys_held_as_aliases_are_skipped_only_for_their_account(engine, touched):
    first, other = _accounts(engine)
    assert upsert(engine, first, [row("csv1", 1, source=StatementSource.CSV)]) == 1
    with Session(engine) as s:
        held = s.exec(select(Statement).where(Statement.account_id == first)).one()
        s.add(StatementAlias(office_id=held.office_id, account_id=first, dedupe_key="api:x",
                             statement_id=held.id))
        s.commit()
    assert upsert(engine, first, [row("x", 1), row("y", 1)]) == 1
    assert upsert(engine, other, [row("x", 1)]) == 1
    assert keys(engine, first) == ["api:csv1", "api:y"]


def test_stored_values_read_back_as_the_orm_wrote_them(engine, touched):
    (account_id,) = _accounts(engine, 1)
    before = datetime.now(UTC).replace(tzinfo=None)
    many = [row(f"k{i}", 1 + i % 28, amount=i, balance_after=10_000 + i,
                value_date=date(2024, 5, 2) if i % 2 else None, memo="メモ" if i == 7 else "",
                sync_run_id=None)
            for i in range(2500)]  # more than one SQLite statement's worth of rows
    assert upsert(engine, account_id, many) == 2500
    assert upsert(engine, account_id, many) == 0
    with Session(engine) as s:
        got = s.exec(select(Statement).where(Statement.account_id == account_id)
                     .order_by(Statement.id)).all()
    assert [g.dedupe_key for g in got] == [r["dedupe_key"] for r in many]  # ids in page order
    seven = got[7]
    assert (seven.transaction_date, seven.value_date, seven.amount, seven.balance_after,
            seven.memo, seven.source, seven.balance_derived) == (
        date(2024, 5, 8), date(2024, 5, 2), 7, 10_007, "メモ", StatementSource.API, False)
    assert got[0].value_date is None and got[0].import_id is None
    assert got[0].description == "ｶｰﾄﾞ　(ｺﾝﾋﾞﾆ)" and got[0].description_norm == "カ-ドコンビニ"
    created = got[0].created_at.replace(tzinfo=None)
    assert abs((created - before).total_seconds()) < 300  # UTC, as utcnow() wrote before


def test_a_row_with_a_column_it_does_not_have_is_refused(engine, touched):
    (account_id,) = _accounts(engine, 1)
    with pytest.raises(ValueError, match="not statement columns"):
        upsert(engine, account_id, [row("a", 1, colour="red")])
    assert keys(engine, account_id) == []


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_a_bank_pages_values_are_those_of_its_rows_as_dicts(dialect):
    """bank_row_values (a sync's pages, no dict per row) gives what row_values gives for the
    same rows written as dicts: every column but the time, the first of a repeated key."""
    lines = [("k1", date(2024, 4, 1), None, 1000, "ｶｰﾄﾞ　(ｺﾝﾋﾞﾆ)", 5000),
             ("k2", date(2024, 4, 1), date(2024, 4, 2), -300, "", None),
             ("k1", date(2024, 4, 3), None, 7, "another", 1),  # the bank repeated a key
             ("k3", date(2024, 4, 3), date(2024, 4, 1), 0, "ｶｰﾄﾞ　(ｺﾝﾋﾞﾆ)", 5000)]
    dicts = [{"transaction_date": day, "value_date": value_day, "amount": amount,
              "description": text, "balance_after": balance, "source": StatementSource.API,
              "dedupe_key": f"api:{key}", "sync_run_id": 9}
             for key, day, value_day, amount, text, balance in lines]
    ours = bank_row_values(dialect, 1, 2, 9, lines)
    assert [v[:14] for v in ours] == [v[:14] for v in row_values(dialect, 1, 2, dicts)]
    assert [v[11] for v in ours] == ["api:k1", "api:k2", "api:k3"]
    assert type(ours[0][14]) is (str if dialect == "sqlite" else datetime)


def test_inserts_made_ready_elsewhere_store_what_upsert_would(engine):
    """A sync makes a page's INSERTs on its fetching thread (ready_inserts) and sends them on
    its own (run_inserts): the rows go in once, the kept figures' rows are those of the rows
    that went in, in order; a page taken in part is unsure of its days; an empty page (a
    repeat sync's, often) makes no INSERT on either database."""
    (account_id,) = _accounts(engine)[:1]
    dialect = engine.dialect.name
    lines = [("k1", date(2024, 4, 1), None, 1000, "振込", 5000),
             ("k2", date(2024, 4, 2), None, -300, "ｶｰﾄﾞ", 4700)]
    with Session(engine) as s:
        office_id = s.get(Account, account_id).office_id
    values = bank_row_values(dialect, office_id, account_id, None, lines)
    assert ready_inserts(dialect, []) == []
    with Session(engine) as s:
        assert run_inserts(s, ready_inserts(dialect, [])) == (0, [], set())
        stored = run_inserts(s, ready_inserts(dialect, values))
        s.commit()
    assert stored.added == 2 and stored.unsure == set()
    assert [(day, amount, balance) for _order, day, amount, balance, _side in stored.rows] == [
        (date(2024, 4, 1), 1000, 5000), (date(2024, 4, 2), -300, 4700)]
    assert stored.rows[0][0] < stored.rows[1][0]  # the order they went in
    more = bank_row_values(dialect, office_id, account_id, None,
                           [*lines, ("k3", date(2024, 4, 3), None, 5, "利息", 4705)])
    with Session(engine) as s:
        again = run_inserts(s, ready_inserts(dialect, more))
        s.commit()
    assert (again.added, again.rows) == (1, [])
    assert again.unsure == {date(2024, 4, 1), date(2024, 4, 2), date(2024, 4, 3)}
    assert keys(engine, account_id) == ["api:k1", "api:k2", "api:k3"]
