"""The kept ledger figures (services.ledger_stats) equal a from-scratch recomputation after
any sequence of writes through the real services (manual entry, edit, delete, file import,
undo, API rows), on SQLite and PostgreSQL; the page's balance breaks equal the full-scan
check_balance_chain, and its totals a COUNT/SUM over the statements."""
import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func
from sqlmodel import Session, select

from portal import migrate
from portal.banks.registry import BankRegistry
from portal.crypto import TokenCipher, generate_key
from portal.dates import utcnow
from portal.db import make_engine
from portal.models import Account, LedgerBreak, LedgerDay, Statement, StatementImport
from portal.services import (
    account_removal,
    csv_ingest,
    imports,
    ledger_stats,
    manual_entries,
    statements,
)
from tests.support.ledger_checks import assert_kept_equals_recomputed
from tests.support.office_rows import office_with_account
from tests.support.postgres import migrated_engine, server_answers

START = date(2024, 4, 1)
_names = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "postgresql" and not server_answers():
        pytest.skip("no PostgreSQL server answers")
    with migrated_engine(request.param, tmp_path) as engine:
        yield engine


def _account(s: Session) -> Account:
    account = office_with_account(s, office_name=f"事業所{next(_names)}", name="手動口座",
                                  bank_code="9999")
    s.commit()
    return account


def _day(offset: int) -> date:
    return START + timedelta(days=offset)


DAYS = st.integers(0, 5)
AMOUNTS = st.integers(-3000, 3000)
BALANCES = st.one_of(st.none(), st.integers(0, 6000))
ROW = st.tuples(DAYS, AMOUNTS, st.integers(0, 6000))
OPS = st.lists(st.one_of(
    st.tuples(st.just("add"), st.tuples(DAYS, AMOUNTS, BALANCES)),
    st.tuples(st.just("edit"), st.tuples(st.integers(0, 50), DAYS, AMOUNTS, BALANCES)),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("import"), st.lists(ROW, min_size=1, max_size=6)),
    st.tuples(st.just("undo"), st.integers(0, 10)),
    st.tuples(st.just("api"), st.lists(ROW, min_size=1, max_size=4)),
), min_size=1, max_size=10)


def _csv(rows) -> bytes:
    lines = ["取引日,入出金(円),取引後残高(円),入出金内容"]
    lines += [f"{_day(d):%Y%m%d},{a},{b},取引{i}" for i, (d, a, b) in enumerate(rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def _apply(s: Session, account: Account, op: str, arg) -> None:
    manual = [m for m in s.exec(select(Statement).where(
        Statement.account_id == account.id, Statement.source == "manual")
        .order_by(Statement.id)).all()]
    if op == "add":
        d, amount, balance = arg
        manual_entries.add(s, account, manual_entries.Entry(_day(d), "手入力", amount, balance))
    elif op == "edit" and manual:
        i, d, amount, balance = arg
        manual_entries.edit(s, account, manual[i % len(manual)],
                            manual_entries.Entry(_day(d), "修正", amount, balance))
    elif op == "delete" and manual:
        manual_entries.delete(s, account, manual[arg % len(manual)])
    elif op == "import":
        csv_ingest.commit_import(s, account, _csv(arg), None, registry=BankRegistry({}),
                                 file_name="x.csv")
    elif op == "undo":
        # An import that added nothing has nothing to undo (the service refuses it).
        open_ = s.exec(select(StatementImport).where(StatementImport.account_id == account.id,
                                                     StatementImport.undone_at.is_(None),
                                                     StatementImport.added > 0)
                       .order_by(StatementImport.id)).all()
        if open_:
            imports.undo(s, account, open_[arg % len(open_)])
    elif op == "api":
        statements.upsert_statements(s, account, [
            {"transaction_date": _day(d), "amount": a, "balance_after": b, "description": "API",
             "source": "api", "dedupe_key": f"api:{next(_names)}"} for d, a, b in arg])
        s.commit()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_kept_figures_equal_a_recomputation_after_any_writes(engine, ops):
    with Session(engine, expire_on_commit=False) as s:
        account = _account(s)
        for op, arg in ops:
            _apply(s, account, op, arg)
            with Session(engine) as fresh:  # what a page would read, committed
                assert_kept_equals_recomputed(fresh, account.id)


def test_breaks_across_days_follow_a_write_on_an_earlier_day(engine):
    """A row written days before a balanced day moves that day's expected balance: the break
    appears there, and goes when the row goes, without the later day being written."""
    with Session(engine, expire_on_commit=False) as s:
        account = _account(s)
        manual_entries.add(s, account, manual_entries.Entry(_day(0), "a", 100, 100))
        manual_entries.add(s, account, manual_entries.Entry(_day(5), "b", 50, 150))
        assert statements.balance_breaks(s, account) == []
        csv_ingest.commit_import(s, account, _csv([(2, -30, 7)]), None,
                                 registry=BankRegistry({}), file_name="x.csv")
        breaks = statements.balance_breaks(s, account)
        assert [(b.previous_date, b.transaction_date, b.expected_balance) for b in breaks] == [
            (_day(0), _day(2), 70), (_day(2), _day(5), 57)]
        imports.undo(s, account, s.exec(select(StatementImport)).one())
        assert statements.balance_breaks(s, account) == []
        assert_kept_equals_recomputed(s, account.id)


def _api_rows(rows) -> list[dict]:
    return [{"transaction_date": _day(d), "amount": a, "balance_after": b, "description": "API",
             "source": "api", "dedupe_key": f"api:{next(_names)}"} for d, a, b in rows]


def _read_backs(engine) -> list[str]:
    """Records the statements' rows read back for a day (not the count of them)."""
    seen = []

    def record(conn, cursor, statement, *args):
        if statement.startswith("SELECT transaction_date, amount, balance_after, "):
            seen.append(statement)
    event.listen(engine, "before_cursor_execute", record)
    return seen


def test_rows_a_writer_knows_are_taken_only_for_days_that_hold_nothing_else(engine):
    """A writer that gives the rows it inserted spares the read-back of a day whose rows are
    all its own; a day that also holds rows it did not give (here inserted and committed
    without their figures, as a sync's earlier pages are) is read back, and is right."""
    with Session(engine, expire_on_commit=False) as s:
        account = _account(s)
        statements.insert_statements(s, account, _api_rows([(0, 100, 100), (0, -20, 80)]))
        s.commit()
        inserted = statements.insert_statements(
            s, account, _api_rows([(0, -5, 75), (1, 10, 85), (1, -1, 999), (2, 3, None)]))
        written = ledger_stats.by_day(inserted)
        assert sorted(written) == [_day(0), _day(1), _day(2)]
        reads = _read_backs(engine)
        ledger_stats.touched(s, account.id, written, written=written)
        s.commit()
        assert_kept_equals_recomputed(s, account.id)
        assert statements.totals(s, account.id) == (6, 87)
        # One read-back, of day 0 alone (the days are its one list parameter).
        assert len(reads) == 1
        # A day brought up to date is read back the next time: it holds earlier rows.
        more = ledger_stats.by_day(statements.insert_statements(s, account, _api_rows([(1, 1, 1000)])))
        ledger_stats.touched(s, account.id, more, written=more)
        s.commit()
        assert_kept_equals_recomputed(s, account.id)
        assert len(reads) == 2
        # A page taken in part (one key held already): the count cannot say which row went
        # in, so its days are read back, new day 3 included.
        held = s.exec(select(Statement.dedupe_key).where(Statement.account_id == account.id)).first()
        page = _api_rows([(3, 4, None), (1, 2, 1002)])
        page[1]["dedupe_key"] = held
        stored = statements.insert_statements(s, account, page)
        assert (stored.added, stored.rows, stored.unsure) == (1, [], {_day(1), _day(3)})
        partial = ledger_stats.by_day(stored)
        assert partial == {_day(1): None, _day(3): None}
        ledger_stats.touched(s, account.id, partial, written=partial)
        s.commit()
        assert_kept_equals_recomputed(s, account.id)
        assert statements.totals(s, account.id) == (8, 92)


def test_a_syncs_rows_are_read_back_after_a_rollback(engine):
    """The rows a sync inserted since its last commit are gone after a rollback: every due
    day is read back from then on, and the figures count only what was committed."""
    from portal.services import sync_run

    with Session(engine, expire_on_commit=False) as s:
        account = _account(s)
        due = sync_run._stats_due(s)
        ledger_stats.by_day(statements.insert_statements(s, account, _api_rows([(0, 100, 100)])),
                            into=due)
        s.commit()
        ledger_stats.by_day(statements.insert_statements(s, account, _api_rows([(0, 5, 105), (1, 7, 112)])),
                            into=due)
        assert all(rows for rows in due.values())
        s.rollback()
        assert due == {_day(0): None, _day(1): None}
        sync_run._bring_stats(s, account)
        s.commit()
        assert due == {}
        assert_kept_equals_recomputed(s, account.id)
        assert statements.totals(s, account.id) == (1, 100)


def test_rebuild_and_removal(engine):
    with Session(engine, expire_on_commit=False) as s:
        account = _account(s)
        csv_ingest.commit_import(s, account, _csv([(0, 10, 10), (1, 5, 99), (1, 1, 100)]), None,
                                 registry=BankRegistry({}), file_name="x.csv")
        before = ledger_stats.kept(s, account.id)
        s.execute(LedgerDay.__table__.delete())  # figures lost: rebuilt from the statements
        ledger_stats.rebuild_account(s, account.id)
        s.commit()
        assert ledger_stats.kept(s, account.id) == before and before[1] != []
        account_removal.delete_account(s, TokenCipher.from_config(generate_key()), None, account)
        assert s.exec(select(func.count()).select_from(LedgerDay)).one() == 0
        assert s.exec(select(func.count()).select_from(LedgerBreak)).one() == 0


def test_two_writers_on_one_day_both_count_on_postgresql(engine):
    """Two transactions write the same day at once: the second waits for the first's lock on
    the account, then reads its committed row, so neither figure is lost."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    import threading
    import time

    from sqlalchemy import insert, text

    with Session(engine, expire_on_commit=False) as s:
        account = _account(s)

    def write(s: Session, amount: int) -> None:
        s.execute(insert(Statement), [{
            "office_id": account.office_id, "account_id": account.id, "transaction_date": START,
            "amount": amount, "source": "csv", "dedupe_key": f"csv:{next(_names)}"}])
        ledger_stats.touched(s, account.id, [START])

    first = Session(engine)
    write(first, 100)
    done = []

    def second():
        with Session(engine) as s:
            write(s, 20)
            s.commit()
            done.append(True)

    thread = threading.Thread(target=second)
    thread.start()
    deadline = time.monotonic() + 30
    with Session(engine) as watch:  # the second writer is seen waiting on the lock
        while not watch.execute(text("SELECT count(*) FROM pg_stat_activity "
                                     "WHERE wait_event_type = 'Lock'")).scalar():
            assert time.monotonic() < deadline, "the second writer never waited"
            watch.rollback()
            time.sleep(0.02)  # polling interval, bounded by the deadline
    first.commit()
    first.close()
    thread.join(30)
    assert done == [True]
    with Session(engine) as s:
        assert statements.totals(s, account.id) == (2, 120)
        assert_kept_equals_recomputed(s, account.id)


def test_migration_0008_fills_in_existing_ledgers(tmp_path):
    """A ledger written before 0008 (no figures kept) has them, exact, after the upgrade."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0007")
    with Session(engine, expire_on_commit=False) as s:
        account = _account(s)
        # Columns of 0007's statement table only (a Core insert: the ORM would also ask
        # for the columns later migrations add).
        s.execute(Statement.__table__.insert(), [
            {"office_id": account.office_id, "account_id": account.id,
             "transaction_date": _day(i % 4), "amount": 10 * i - 25,
             "balance_after": None if i % 3 else 100 + i, "source": "csv",
             "dedupe_key": f"csv:old{i}", "description": "", "description_norm": "",
             "balance_derived": False, "memo": "", "created_at": utcnow()} for i in range(30)])
        s.commit()
    migrate.upgrade(engine)
    with Session(engine) as s:
        assert_kept_equals_recomputed(s, account.id)
        assert ledger_stats.kept(s, account.id)[1] != []  # the chain did break: figures non-trivial
    engine.dispose()
