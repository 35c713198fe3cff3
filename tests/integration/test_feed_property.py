"""Property: a client that pages the statement change feed (statement_feed.page) with a small
count and stores its cursor ends with a copy equal to its office's ledger, whatever the
writes between its pages: statements from the bank and by hand, bank corrections, manual
edits, memos, file imports and their undo, deletions, booking and unbooking; and on
PostgreSQL, writes committed out of order while it pages. It never gets a statement twice
as added, a modification of one it never got, or another office's row.

`pytest -s` prints the figures (examples, steps, pages, changes applied) per database."""
import itertools
import random
import threading
from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import exists, text
from sqlmodel import Session, select

from portal.banks.registry import BankRegistry
from portal.models import Account, Office, Statement, StatementImport
from portal.models.books import BookEntry, BookLine
from portal.models.vocabulary import BusinessForm, StatementSource
from portal.services import csv_ingest, imports, manual_entries, statement_feed
from portal.services.books import booking, masters
from portal.services.statements import upsert_statements
from tests.support.flows import wait_for

START = date(2024, 4, 1)
_names = itertools.count()
FIGURES: Counter = Counter()
EXAMPLES, STEPS = 40, 30  # per database; the figures printed say what ran


def _day(offset: int) -> date:
    return START + timedelta(days=offset)


def _office(s: Session, *, books: bool) -> tuple[int, Account, Account]:
    office = Office(name=f"事業所{next(_names)}")
    s.add(office)
    s.flush()
    bank = Account(office_id=office.id, name="銀行口座", bank_code="9999", kind="personal",
                   sync_method="manual")
    hand = Account(office_id=office.id, name="手動口座", bank_code="9998", kind="personal",
                   sync_method="manual")
    s.add_all([bank, hand])
    s.commit()
    if books:
        masters.start_books(s, office.id, BusinessForm.CORPORATION)
    return office.id, bank, hand


def _fields(statement: Statement, booked: bool) -> tuple:
    return (statement.account_id, statement.transaction_date, statement.value_date, statement.amount,
            statement.balance_after, statement.description, statement.memo,
            StatementSource(statement.source).value, bool(booked))


def ledger(engine, office_id: int) -> dict[int, tuple]:
    """The office's statements as the feed's client should hold them, read afresh."""
    with Session(engine) as s:
        booked = exists().where(BookLine.statement_id == Statement.id)
        return {st.id: _fields(st, b) for st, b in s.exec(
            select(Statement, booked.label("booked")).where(Statement.office_id == office_id))}


def _csv(rows) -> bytes:
    lines = ["取引日,入出金(円),取引後残高(円),入出金内容"]
    lines += [f"{_day(d):%Y%m%d},{a},{b},取込{next(_names)}" for d, a, b in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


class Client:
    """What a client of /statements/sync does: upsert added and modified, delete removed,
    keep next_cursor; with checks that it is never handed a change twice or out of turn."""

    def __init__(self, engine, office_id: int):
        self.engine, self.office_id = engine, office_id
        self.copy: dict[int, tuple] = {}
        self.cursor: str | None = None
        self.ever_added: dict[int, str] = {}  # id → the bank's or the portal's key of the row

    def pull(self, count: int) -> bool:
        with Session(self.engine) as s:
            page = statement_feed.page(s, self.office_id, self.cursor, count)
        FIGURES["pages"] += 1
        for statement, booked in page.added:
            assert statement.office_id == self.office_id, "another office's statement"
            assert statement.id not in self.ever_added, f"statement {statement.id} added twice"
            self.ever_added[statement.id] = statement.dedupe_key
            self.copy[statement.id] = _fields(statement, booked)
        for statement, booked in page.modified:
            assert statement.office_id == self.office_id, "another office's statement"
            assert statement.id in self.copy, f"modified {statement.id} before it was added"
            self.copy[statement.id] = _fields(statement, booked)
        for gone in page.removed:
            self.copy.pop(gone.id, None)
        FIGURES["changes applied"] += len(page.added) + len(page.modified) + len(page.removed)
        assert page.has_more or len(page.added) + len(page.modified) + len(page.removed) <= count
        self.cursor = page.next_cursor
        return page.has_more

    def catch_up(self, count: int = 3) -> None:
        for _ in range(100_000):
            if not self.pull(count):
                return
        raise AssertionError("the feed never ran out of pages")

    def catch_up_with(self, office_id: int, count: int = 3, seconds: float = 10.0) -> None:
        """Catch up until the copy equals the office's ledger, or the deadline. On PostgreSQL
        the feed holds back behind a transaction older than its horizon, and one of another
        database (another test's) that ended just before the feed looked is counted too: the
        next call goes on. A change the feed never hands over still fails, at the deadline."""
        def caught_up() -> bool:
            self.catch_up(count)
            return self.copy == ledger(self.engine, office_id)

        wait_for(caught_up, timeout=seconds, interval=0.05, message="the copy to equal the ledger")


DAYS = st.integers(0, 6)
AMOUNTS = st.integers(-5000, 5000)
BALANCES = st.one_of(st.none(), st.integers(0, 9000))
PICK = st.integers(0, 10**6)


def machine_for(engine):
    postgres = engine.dialect.name == "postgresql"

    class FeedMachine(RuleBasedStateMachine):
        @initialize()
        def offices(self):
            self.s = Session(engine, expire_on_commit=False)
            self.office_id, self.bank, self.hand = _office(self.s, books=True)
            self.other_id, self.other_bank, _ = _office(self.s, books=False)
            self.client = Client(engine, self.office_id)
            FIGURES["examples"] += 1

        def _statements(self, *where) -> list[Statement]:
            return list(self.s.exec(select(Statement).where(
                Statement.office_id == self.office_id, *where).order_by(Statement.id)))

        def _step(self):
            FIGURES["steps"] += 1

        @rule(rows=st.lists(st.tuples(DAYS, AMOUNTS, BALANCES), min_size=1, max_size=4))
        def from_the_bank(self, rows):
            self._step()
            upsert_statements(self.s, self.bank, [
                {"transaction_date": _day(d), "amount": a, "balance_after": b, "description": "振込",
                 "source": "api", "dedupe_key": f"api:{next(_names)}"} for d, a, b in rows])
            self.s.commit()

        @rule(pick=PICK, amount=AMOUNTS, balance=BALANCES)
        def bank_correction(self, pick, amount, balance):
            """The bank restates a row it sent: new amount, text and balance on the same row."""
            self._step()
            rows = self._statements(Statement.source == StatementSource.API)
            if rows:
                row = rows[pick % len(rows)]
                row.amount, row.balance_after = amount, balance
                row.description = f"訂正{next(_names)}"
                self.s.add(row)
                self.s.commit()

        @rule(d=DAYS, amount=AMOUNTS, balance=BALANCES)
        def manual_add(self, d, amount, balance):
            self._step()
            manual_entries.add(self.s, self.hand, manual_entries.Entry(_day(d), "手入力", amount, balance))

        @rule(pick=PICK, d=DAYS, amount=AMOUNTS, balance=BALANCES)
        def manual_edit(self, pick, d, amount, balance):
            self._step()
            rows = self._statements(Statement.source == StatementSource.MANUAL)
            if rows:
                manual_entries.edit(self.s, self.hand, rows[pick % len(rows)],
                                    manual_entries.Entry(_day(d), f"修正{next(_names)}", amount, balance))

        @rule(pick=PICK)
        def manual_delete(self, pick):
            self._step()
            rows = self._statements(Statement.source == StatementSource.MANUAL)
            if rows:
                manual_entries.delete(self.s, self.hand, rows[pick % len(rows)])

        @rule(pick=PICK, memo=st.sampled_from(["", "交通費", "会議費 3名", "メモ"]))
        def memo(self, pick, memo):
            self._step()
            rows = self._statements()
            if rows:
                row = rows[pick % len(rows)]
                account = self.bank if row.account_id == self.bank.id else self.hand
                manual_entries.set_memo(self.s, account, row, memo)

        @rule(rows=st.lists(st.tuples(DAYS, AMOUNTS, st.integers(0, 9000)), min_size=1, max_size=5))
        def file_import(self, rows):
            self._step()
            csv_ingest.commit_import(self.s, self.hand, _csv(rows), None, registry=BankRegistry({}),
                                     file_name="meisai.csv")

        @rule(pick=PICK)
        def undo_import(self, pick):
            self._step()
            open_ = list(self.s.exec(select(StatementImport).where(
                StatementImport.account_id == self.hand.id, StatementImport.undone_at.is_(None),
                StatementImport.added > 0).order_by(StatementImport.id)))
            if open_:
                imports.undo(self.s, self.hand, open_[pick % len(open_)])

        @rule(pick=PICK)
        def book(self, pick):
            self._step()
            rows = self._statements(~exists().where(BookLine.statement_id == Statement.id),
                                    Statement.amount != 0)  # a zero row has no direction to book
            if rows:
                booking.skip(self.s, self.office_id, rows[pick % len(rows)].id, "私用")

        @rule(pick=PICK)
        def unbook(self, pick):
            self._step()
            entries = list(self.s.exec(select(BookEntry.id).where(
                BookEntry.office_id == self.office_id).order_by(BookEntry.id)))
            if entries:
                booking.undo(self.s, self.office_id, entries[pick % len(entries)])

        @rule(rows=st.lists(st.tuples(DAYS, AMOUNTS), min_size=1, max_size=3))
        def another_office_writes(self, rows):
            self._step()
            upsert_statements(self.s, self.other_bank, [
                {"transaction_date": _day(d), "amount": a, "description": "他事業所",
                 "source": "api", "dedupe_key": f"api:{next(_names)}"} for d, a in rows])
            self.s.commit()
            theirs = self.s.exec(select(Statement).where(Statement.office_id == self.other_id)).first()
            manual_entries.set_memo(self.s, self.other_bank, theirs, f"他{next(_names)}")

        @rule(count=st.integers(1, 5))
        def client_pages(self, count):
            self._step()
            self.client.pull(count)

        @precondition(lambda self: postgres)
        @rule(d=DAYS, amount=AMOUNTS)
        def writes_commit_out_of_order(self, d, amount):
            """Writer A writes and holds its transaction; writer B starts later, writes and
            commits; the client pages; then A commits. A's change is older than B's but ends
            later: the feed must hold B's back until A ends, and then hand over both."""
            self._step()
            FIGURES["out-of-order commits"] += 1
            with Session(engine, expire_on_commit=False) as a, Session(engine, expire_on_commit=False) as b:
                a.execute(text("SET lock_timeout = '10s'"))
                b.execute(text("SET lock_timeout = '10s'"))
                upsert_statements(a, a.get(Account, self.bank.id), [
                    {"transaction_date": _day(d), "amount": amount, "description": "保留中",
                     "source": "api", "dedupe_key": f"api:{next(_names)}"}])
                a.flush()  # written, with its transaction id, not committed
                before = set(ledger(engine, self.office_id))
                manual_entries.add(b, b.get(Account, self.hand.id),
                                   manual_entries.Entry(_day(d), "後発", -amount, None))  # commits
                b_ids = set(ledger(engine, self.office_id)) - before
                assert len(b_ids) == 1
                self.client.catch_up(2)
                assert not b_ids & set(self.client.copy), \
                    "a change committed after a still-open one was handed over: the open one would be skipped"
                a.commit()
            self.client.catch_up(2)

        def teardown(self):
            if not hasattr(self, "client"):
                return
            try:
                self.client.catch_up_with(self.office_id, 3)
                assert self.client.copy == ledger(engine, self.office_id)
                assert not set(self.client.copy) & set(ledger(engine, self.other_id))
                FIGURES["statements compared"] += len(self.client.copy)
            finally:
                self.s.close()

    return FeedMachine


def _print_figures(dialect: str, title: str) -> None:
    print(f"\n[feed property, {dialect}] {title}: " +
          ", ".join(f"{k} {v}" for k, v in FIGURES.items()))
    FIGURES.clear()


def test_a_client_that_keeps_its_cursor_ends_with_the_ledger(engine):
    FIGURES.clear()
    run_state_machine_as_test(machine_for(engine), settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
        suppress_health_check=[HealthCheck.too_slow]))
    assert FIGURES["examples"] >= EXAMPLES
    _print_figures(engine.dialect.name, "state machine")


def _writer(engine, account_id: int, seed: int, steps: int, errors: list) -> None:
    """Random writes through the services, each its own transaction, as fast as they go."""
    rnd = random.Random(seed)
    try:
        with Session(engine, expire_on_commit=False) as s:
            account = s.get(Account, account_id)
            for _ in range(steps):
                manual = list(s.exec(select(Statement).where(Statement.account_id == account_id,
                                                             Statement.source == StatementSource.MANUAL)))
                op = rnd.choice(["add", "add", "memo", "edit", "delete", "bank", "book", "unbook"])
                if op == "add" or not manual:
                    manual_entries.add(s, account, manual_entries.Entry(
                        _day(rnd.randint(0, 6)), "並行", rnd.randint(-900, 900), None))
                elif op == "memo":
                    manual_entries.set_memo(s, account, rnd.choice(manual), f"m{rnd.random()}")
                elif op == "edit":
                    manual_entries.edit(s, account, rnd.choice(manual), manual_entries.Entry(
                        _day(rnd.randint(0, 6)), "並行修正", rnd.randint(-900, 900), None))
                elif op == "delete":
                    manual_entries.delete(s, account, rnd.choice(manual))
                elif op == "bank":
                    upsert_statements(s, account, [
                        {"transaction_date": _day(rnd.randint(0, 6)), "amount": rnd.randint(-900, 900),
                         "description": "並行API", "source": "api",
                         "dedupe_key": f"api:{seed}:{rnd.random()}"} for _ in range(rnd.randint(1, 3))])
                    s.commit()
                elif op == "book":
                    free = [m for m in manual if m.amount and not s.exec(select(BookLine.id).where(
                        BookLine.statement_id == m.id)).first()]
                    if free:
                        booking.skip(s, account.office_id, rnd.choice(free).id, "私用")
                else:
                    entry = s.exec(select(BookLine.entry_id).where(
                        BookLine.account_id == account_id).order_by(BookLine.id)).first()
                    if entry is not None:
                        booking.undo(s, account.office_id, entry)
                FIGURES["concurrent writes"] += 1
    except Exception as caught:  # reported by the test, not lost in the thread
        errors.append(caught)


def test_a_client_paging_while_two_writers_commit_ends_with_the_ledger(engine):
    """Three threads write (two to the office's accounts, one to another office's) while the
    client pages with count 2; once they end, one more catch-up makes the copy equal the ledger."""
    FIGURES.clear()
    for seed in range(3):
        with Session(engine, expire_on_commit=False) as s:
            office_id, bank, hand = _office(s, books=True)
            other_id, other_bank, _ = _office(s, books=True)
        client = Client(engine, office_id)
        errors: list = []
        accounts = [hand.id, bank.id, other_bank.id]
        threads = [threading.Thread(target=_writer, args=(engine, a, seed * 10 + i, 40, errors))
                   for i, a in enumerate(accounts)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            client.pull(2)
        for t in threads:
            t.join()
        assert not errors, errors
        client.catch_up_with(office_id, 2)
        assert client.copy == ledger(engine, office_id)
        assert not set(client.copy) & set(ledger(engine, other_id))
        FIGURES["examples"] += 1
        FIGURES["statements compared"] += len(client.copy)
    _print_figures(engine.dialect.name, "concurrent writers")


@pytest.mark.parametrize("count", [1, 500])
def test_a_stored_cursor_resumes_where_it_stopped(engine, count):
    """Paging in one go or one change at a time, across a restart of the client (a new
    object with only the stored cursor), gives the same copy."""
    with Session(engine, expire_on_commit=False) as s:
        office_id, bank, hand = _office(s, books=True)
        for i in range(5):
            manual_entries.add(s, hand, manual_entries.Entry(_day(i), f"行{i}", 100 * (i + 1), None))
        first = Client(engine, office_id)
        first.pull(count)
        rows = list(s.exec(select(Statement).where(Statement.office_id == office_id)))
        manual_entries.delete(s, hand, rows[-1])
        manual_entries.set_memo(s, hand, rows[0], "再開")
        second = Client(engine, office_id)
        second.copy, second.cursor = dict(first.copy), first.cursor
        second.catch_up_with(office_id, count)
        assert second.copy == ledger(engine, office_id)
        with pytest.raises(statement_feed.BadCursor):
            statement_feed.page(s, office_id, "not-a-cursor", count)


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
def test_a_removed_statements_id_never_names_another_statement(engine):
    """A client keys its copy (and whatever it links to a statement) by id. If a new
    statement takes the id of a removed one and both changes fall in one page, the page says
    only "added <id>": the client is never told the statement it held went."""
    # SQLite did, before statement.id was AUTOINCREMENT (migration 0012).
    with Session(engine, expire_on_commit=False) as s:
        office_id, bank, hand = _office(s, books=False)
        manual_entries.add(s, hand, manual_entries.Entry(_day(0), "現金", 500, None))
        client = Client(engine, office_id)
        client.catch_up()
        (held_id,) = client.copy
        manual_entries.delete(s, hand, s.get(Statement, held_id))
        upsert_statements(s, bank, [{"transaction_date": _day(1), "amount": -70, "description": "振込",
                                     "source": "api", "dedupe_key": f"api:{next(_names)}"}])
        s.commit()
        with Session(engine) as fresh:
            page = statement_feed.page(fresh, office_id, client.cursor, 10)
        assert [r.id for r in page.removed] == [held_id]
        assert [st.id for st, _ in page.added] != [held_id]
