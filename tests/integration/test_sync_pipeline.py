"""A sync's pages through the real sandbox bank: each page is made ready to store (rows,
insert values, the INSERTs themselves) on the thread that fetched it, the database is written on the run's own
thread, and what ends up stored is the bank's ledger with its kept figures right."""
import sqlite3
import threading
from contextlib import ExitStack
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from portal.banks.client import BankClient
from portal.dates import today_jst
from portal.models import Account
from portal.services import statements, sync_run
from sandbox_bank.data import seed as seed_data
from sandbox_bank.profiles import default_profiles
from tests.integration.lifetime_helpers import first_window_start, last_run, ledger, link_first, truth
from tests.support.flows import PortalUser, wait_for
from tests.support.ledger_checks import assert_kept_equals_recomputed
from tests.support.live_portal import serve_portal
from tests.support.postgres import fresh_database, server_answers
from tests.support.sandbox_server import start_sandbox


def test_pages_are_prepared_on_the_fetching_thread_and_stored_on_the_runs(live_portal, db, sandbox,
                                                                          monkeypatch):
    threads = {"prepared": [], "made": [], "stored": []}

    def spy(kind, real):
        def call(*args, **kwargs):
            threads[kind].append(threading.current_thread().name)
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(sync_run, "bank_row_values", spy("prepared", statements.bank_row_values))
    monkeypatch.setattr(sync_run, "ready_inserts", spy("made", statements.ready_inserts))
    monkeypatch.setattr(sync_run, "run_inserts", spy("stored", statements.run_inserts))
    user = PortalUser(live_portal).signup()
    account_id, remote = link_first(user, sandbox, db)
    sandbox.admin("POST", f"/banks/0001/_sandbox/accounts/{remote.remote_id}/transactions",
                  json={"count": 3})
    user.sync(account_id)
    assert user.wait_state(account_id, "done", "failed") == "done"

    # The values and the INSERTs of each page (no alias to leave out) are made where it was
    # fetched; only sending them happens on the run's thread.
    assert threads["prepared"] and len(threads["prepared"]) == len(threads["made"]) == len(threads["stored"])
    assert all(name.startswith("sync-run-") and name.endswith("-pages")
               for name in threads["prepared"] + threads["made"])
    assert not any(name.endswith("-pages") for name in threads["stored"])
    assert ledger(db, account_id) == truth(sandbox, "0001", remote.remote_id,
                                           first_window_start(db, account_id))
    with db() as s:
        assert_kept_equals_recomputed(s, account_id)


def test_no_write_is_held_while_the_bank_is_asked_before_the_pages(live_portal, db, sandbox,
                                                                   monkeypatch):
    """While a sync waits for the bank's account list or balance, its transaction holds no
    write: on SQLite the write lock is the whole database's, and every other sync and page
    would wait out the bank's answer time (a pending write flushed by a read did that)."""
    path = live_portal.app.extensions["db_engine"].url.database
    probes = []

    def spy(real):
        def call(self, *args, **kwargs):
            # Other threads (a page, the dispatcher's claim) write for a moment; the busy
            # timeout waits those out. A write held by this sync, which is waiting in this
            # very call, never ends, so the probe is refused after the timeout.
            free = sqlite3.connect(path, timeout=5, isolation_level=None)
            try:
                free.execute("BEGIN IMMEDIATE")
                free.execute("ROLLBACK")
                probes.append((real.__name__, "free"))
            except sqlite3.OperationalError as exc:
                probes.append((real.__name__, str(exc)))
            finally:
                free.close()
            return real(self, *args, **kwargs)
        return call

    user = PortalUser(live_portal).signup()
    account_id, _remote = link_first(user, sandbox, db)
    monkeypatch.setattr(BankClient, "list_accounts", spy(BankClient.list_accounts))
    monkeypatch.setattr(BankClient, "balances", spy(BankClient.balances))
    user.sync(account_id)  # a repeat sync: the account list, the balance, one page
    assert user.wait_state(account_id, "done", "failed") == "done"
    assert probes == [("list_accounts", "free"), ("balances", "free")]


def test_a_run_whose_last_commit_fails_is_taken_over_and_ends_once(live_portal, db, sandbox,
                                                                   monkeypatch):
    """The commit that ends a run (its last pages, its counts, its bank calls, done) fails and
    its transaction is lost: the database went away at that moment. The worker lets the run
    go; it is taken over from the last committed page and ends done, its statements the
    bank's, none twice, each counted once."""
    from portal.models import Account, SyncRun

    engine = live_portal.app.extensions["db_engine"]
    user = PortalUser(live_portal).signup()
    account_id, remote = link_first(user, sandbox, db)
    sandbox.admin("POST", f"/banks/0001/_sandbox/accounts/{remote.remote_id}/transactions",
                  json={"count": 4})
    ending, failed = threading.local(), []
    real_finish, real_commit = sync_run._finish, engine.dialect.do_commit

    def finish(session, ctx, run, *args, **kwargs):
        ending.run = run.id
        return real_finish(session, ctx, run, *args, **kwargs)

    def do_commit(dbapi_connection):
        run_id, ending.run = getattr(ending, "run", None), None
        if run_id is not None and not failed:
            failed.append(run_id)
            dbapi_connection.rollback()  # what the database kept of the transaction: nothing
            raise sqlite3.OperationalError("disk I/O error")
        real_commit(dbapi_connection)

    monkeypatch.setattr(sync_run, "_finish", finish)
    monkeypatch.setattr(engine.dialect, "do_commit", do_commit)
    user.sync(account_id)
    wait_for(lambda: last_run(db, account_id).state in ("done", "failed"), timeout=60,
             message="the run ended")
    assert failed  # the ending commit did fail once
    with db() as s:
        run = s.get(SyncRun, failed[0])
        assert (run.state, run.resumes, run.added) == ("done", 1, 4)  # taken over once, then ended
        stored = ledger(db, account_id)
        assert stored == truth(sandbox, "0001", remote.remote_id, first_window_start(db, account_id))
        assert s.get(Account, account_id).statement_count == len(stored)
        assert_kept_equals_recomputed(s, account_id)


def _seed_with_an_old_statement_only(today: date) -> int:
    """A volume seed whose one account's one statement is older than any repeat sync's
    window (the sandbox builds the same statements from the same seed and day)."""
    spec = seed_data.volume_users(1, 1, 1)[0]
    profile = default_profiles()["0001"]
    return next(seed for seed in range(1, 1000)
                if seed_data.build_accounts(profile, spec, seed, today)[0].statements[0].date
                < today - timedelta(days=30))


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=[
    pytest.mark.postgres, pytest.mark.skipif(not server_answers(), reason="no PostgreSQL server answers")])])
def test_a_repeat_sync_whose_window_holds_nothing_ends_done(tmp_path, database):
    """A repeat sync of an account with nothing new in its overlap window gets an empty page
    from the bank (every quiet account, every day): it stores nothing and ends done."""
    today = today_jst()
    volume = {"users": 1, "accounts": 1, "statements": 1, "banks": ["0001"],
              "seed": _seed_with_an_old_statement_only(today)}
    with ExitStack() as stack:
        sandbox = stack.enter_context(start_sandbox(tmp_path / "bank", config={"VOLUME": volume}))
        settings = {} if database == "sqlite" else {"DATABASE_URL": stack.enter_context(fresh_database())}
        portal = stack.enter_context(serve_portal(tmp_path, sandbox, **settings))
        db = lambda: Session(portal.app.extensions["db_engine"])  # noqa: E731
        user = PortalUser(portal).signup()
        account_id = user.register("0001")
        assert user.consent(account_id, login="vol00001").status_code == 303
        user.sync(account_id)
        assert user.wait_state(account_id, "done", "failed") == "done"
        assert last_run(db, account_id).added == 1
        user.sync(account_id)
        assert user.wait_state(account_id, "done", "failed") == "done"
        run = last_run(db, account_id)
        assert (run.state, run.fetched, run.added, run.error_code) == ("done", 0, 0, None)
        with db() as s:
            assert s.get(Account, account_id).statement_count == 1
            assert_kept_equals_recomputed(s, account_id)
