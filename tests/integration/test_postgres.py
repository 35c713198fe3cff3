"""The scale path on PostgreSQL: migrations, SKIP LOCKED claiming, one active run per account.

Runs when a server answers at TSUNAGU_TEST_POSTGRES_URL (default: the local cluster);
each test gets a database of its own, dropped afterwards.
"""
import threading
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal import migrate
from portal.banks.registry import BankRegistry
from portal.crypto import TokenCipher, generate_key
from portal.db import make_engine
from portal.ledger.running_balance import Opening
from portal.models import Account, BankConnection, Office, Statement, StatementImport, SyncRun
from portal.services import (
    account_removal,
    account_settings,
    csv_ingest,
    imports,
    manual_entries,
    sync_queue,
)
from tests.integration.lifetime_helpers import (
    first_window_start,
    ledger,
    link_first,
    refresh_concurrently,
    truth,
)
from tests.support.flows import PortalUser, wait_for
from tests.support.live_portal import serve_portal
from tests.support.postgres import fresh_database, server_answers

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not server_answers(), reason="no PostgreSQL server answers")]


@pytest.fixture
def pg_engine():
    with fresh_database() as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        yield engine
        engine.dispose()


def _accounts(engine, n: int) -> list[int]:
    with Session(engine) as s:
        office = Office(name="規模テスト")
        s.add(office)
        s.flush()
        accounts = [Account(office_id=office.id, name=f"口座{i}", bank_code="0001", kind="personal",
                            sync_method="api") for i in range(n)]
        s.add_all(accounts)
        s.flush()
        for a in accounts:
            s.add(SyncRun(office_id=office.id, account_id=a.id, trigger="schedule"))
        s.commit()
        return [a.id for a in accounts]


def test_many_workers_claim_each_run_exactly_once(pg_engine):
    ids = _accounts(pg_engine, 40)
    claimed, lock = [], threading.Lock()

    def worker(owner):
        while True:
            with Session(pg_engine) as s:
                run_id = sync_queue.claim_next(s, owner, lease_seconds=300)
            if run_id is None:
                return
            with lock:
                claimed.append(run_id)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == len(ids)


def test_partial_unique_index_allows_one_active_run_per_account(pg_engine):
    (account_id,) = _accounts(pg_engine, 1)
    with Session(pg_engine) as s:
        office_id = s.get(Account, account_id).office_id
        s.add(SyncRun(office_id=office_id, account_id=account_id, trigger="user"))
        with pytest.raises(IntegrityError):
            s.commit()
        s.rollback()
        run = s.exec(text("SELECT id FROM sync_run")).first()
        s.execute(text("UPDATE sync_run SET state = 'done' WHERE id = :i"), {"i": run[0]})
        s.add(SyncRun(office_id=office_id, account_id=account_id, trigger="user"))
        s.commit()  # finished runs do not count


def test_one_scheduler_leader_and_another_takes_over(pg_engine):
    from portal.leader import Leadership

    first, second = Leadership(pg_engine), Leadership(pg_engine)
    assert first.is_leader() is True
    assert second.is_leader() is False
    assert first.is_leader() is True  # stays leader
    first.release()  # as when its process ends
    # The server frees the lock when it sees the connection gone, a moment later: the
    # scheduler's next tick asks again, as this does.
    wait_for(second.is_leader, timeout=10, message="the second to take the lead")
    second.release()


@pytest.fixture
def live_portal(pg_engine, sandbox, tmp_path):
    """In this module the live portal (and so the `db` fixture) runs on the test's PostgreSQL database."""
    url = pg_engine.url.render_as_string(hide_password=False)
    with serve_portal(tmp_path, sandbox, DATABASE_URL=url) as portal:
        yield portal


def test_the_walkthrough_sync_on_postgresql(live_portal, db, sandbox):
    """The same portal on PostgreSQL: consent, selection, sync, ledger, concurrent refresh."""
    with db() as s:
        assert s.get_bind().dialect.name == "postgresql"  # the override took effect
    user = PortalUser(live_portal).signup()
    account_id, remote = link_first(user, sandbox, db)
    since = first_window_start(db, account_id)
    assert ledger(db, account_id) == truth(sandbox, "0001", remote.remote_id, since)
    tokens, errors = refresh_concurrently(live_portal, db)
    assert errors == [] and len(set(tokens)) == 1
    with db() as s:
        assert s.exec(select(BankConnection)).one().state == "active"


def test_everyday_use_imports_undo_balances_and_deletion_on_postgresql(pg_engine):
    """Everyday use on PostgreSQL: the import batch, the running balance (partial indexes,
    row-value keys), undo, and deleting an account next to another."""
    ids = _accounts(pg_engine, 2)
    raw = ("取引日,入出金(円),取引後残高(円),入出金内容\r\n"
           "20240402,-2214,97786,=1+1\r\n20240403,50000,147786,振込\r\n").encode()
    with Session(pg_engine) as s:
        gone, kept = (s.get(Account, i) for i in ids)
        for a in (gone, kept):
            a.sync_method = "manual"
            account_settings.set_opening(s, a, Opening(1000, date(2024, 4, 1)))
            csv_ingest.commit_import(s, a, raw, None, registry=BankRegistry({}), file_name="x.csv")
            manual_entries.add(s, a, manual_entries.Entry(date(2024, 4, 4), "現金", -786, None, "メモ"))
        assert (gone.balance, gone.statement_count) == (147000, 3)
        batch = s.exec(select(StatementImport).where(StatementImport.account_id == gone.id)).one()
        assert imports.undo(s, gone, batch) == 2
        # The manual entry now follows the opening balance.
        assert (gone.balance, gone.statement_count) == (214, 1)
        account_removal.delete_account(s, TokenCipher.from_config(generate_key()), None, gone)
        assert s.exec(select(Statement).where(Statement.account_id == kept.id)).all() != []
        assert s.get(Account, ids[0]) is None and s.get(Account, ids[1]).balance == 147000


def test_the_export_stream_reads_the_ledger_in_order_through_a_server_side_cursor(pg_engine):
    """ledger_in_order on PostgreSQL: a named cursor fetched a batch at a time gives every
    row once, oldest first, and leaves no cursor or transaction open behind it."""
    from portal.ledger.csv_export import export_fields
    from portal.services.statements import ledger_in_order, upsert_statements

    (account_id,) = _accounts(pg_engine, 1)
    with Session(pg_engine) as s:
        account = s.get(Account, account_id)
        upsert_statements(s, account, [
            {"transaction_date": date(2024, 4, 1 + i % 5), "amount": 100 - i, "description": f"行{i}",
             "balance_after": None if i % 2 else 1000 + i, "source": "api", "dedupe_key": f"api:{i}"}
            for i in range(23)])
        s.commit()
        expected = [tuple(r) for r in s.exec(
            select(Statement.transaction_date, Statement.value_date, Statement.amount,
                   Statement.description, Statement.balance_after, Statement.memo)
            .where(Statement.account_id == account_id)
            .order_by(Statement.transaction_date, Statement.id))]
    streamed = list(ledger_in_order(pg_engine, account_id, batch=4))
    assert [tuple(r) for r in streamed] == expected and len(expected) == 23
    text_ = b"".join(export_fields(iter(streamed))).decode("utf-8-sig")
    assert text_.count("\r\n") == 24 and "2024/04/01,,行0,100,,1000," in text_
    with pg_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                    "current_database() AND state = 'idle in transaction'").scalar() == 0
