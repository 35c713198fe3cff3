"""A sync's pages through the real sandbox bank: each page is made ready to store (rows,
insert values, the INSERTs themselves) on the thread that fetched it, the database is written on the run's own
thread, and what ends up stored is the bank's ledger with its kept figures right."""
import sqlite3
import threading

from portal.banks.client import BankClient
from portal.services import statements, sync_run
from tests.integration.lifetime_helpers import first_window_start, last_run, ledger, link_first, truth
from tests.support.flows import PortalUser, wait_for
from tests.support.ledger_checks import assert_kept_equals_recomputed


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
