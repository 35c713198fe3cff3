"""A sync's pages through the real sandbox bank: each page is made ready to store (rows and
insert values) on the thread that fetched it, the database is written on the run's own
thread, and what ends up stored is the bank's ledger with its kept figures right."""
import sqlite3
import threading

from portal.services import statements, sync_run
from tests.integration.lifetime_helpers import first_window_start, ledger, link_first, truth
from tests.support.flows import PortalUser
from tests.support.ledger_checks import assert_kept_equals_recomputed


def test_pages_are_prepared_on_the_fetching_thread_and_stored_on_the_runs(live_portal, db, sandbox,
                                                                          monkeypatch):
    threads = {"prepared": [], "stored": []}

    def spy(kind, real):
        def call(*args, **kwargs):
            threads[kind].append(threading.current_thread().name)
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(sync_run, "row_values", spy("prepared", statements.row_values))
    monkeypatch.setattr(sync_run, "insert_values", spy("stored", statements.insert_values))
    user = PortalUser(live_portal).signup()
    account_id, remote = link_first(user, sandbox, db)
    sandbox.admin("POST", f"/banks/0001/_sandbox/accounts/{remote.remote_id}/transactions",
                  json={"count": 3})
    user.sync(account_id)
    assert user.wait_state(account_id, "done", "failed") == "done"

    assert threads["prepared"] and len(threads["prepared"]) == len(threads["stored"])
    assert all(name.startswith("sync-run-") and name.endswith("-pages") for name in threads["prepared"])
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
    from portal.banks.client import BankClient

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
