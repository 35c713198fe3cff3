"""Sync runs survive dead workers. Two `flask sync worker` processes share the queue; the one
holding a run is SIGKILLed at a random point of it, again and again. The other takes the run
over once the lease runs out and goes on from the stored cursor; in the end the ledger is the
bank's, the sync log counts every row once, nothing is left running, and the database is sound.
On SQLite and on PostgreSQL."""
import random
import time

import pytest
from sqlalchemy import text

from portal.models import SyncRun
from portal.services.sync_run import MAX_RESUMES
from tests.integration.lifetime_helpers import first_window_start, last_run, ledger, link_first, truth
from tests.support.flows import PortalUser, wait_for
from tests.support.ledger_checks import assert_kept_equals_recomputed
from tests.support.live_portal import serve_portal
from tests.support.postgres import fresh_database, server_answers
from tests.support.sync_worker import SyncWorker

LEASE, DISPATCH = 2.0, 0.2
KILLS = 20  # per database
# Taking over waits for the lease to run out and the next dispatch; the rest is the machine
# (a worker's commit, process scheduling under the whole suite).
TAKEOVER_SLACK = 1.5
SETTINGS = {"SCHEDULER_ENABLED": False, "SYNC_LEASE_SECONDS": LEASE, "SYNC_DISPATCH_SECONDS": DISPATCH,
            "SYNC_WORKERS": 2, "BANK_MAX_RETRY_WAIT": 2.0}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[
    pytest.mark.postgres, pytest.mark.skipif(not server_answers(), reason="no PostgreSQL server answers")])])
def live_portal(request, tmp_path, sandbox):
    """A portal whose web process runs no syncs: the worker processes below do."""
    if request.param == "sqlite":
        with serve_portal(tmp_path, sandbox, **SETTINGS) as portal:
            yield portal
        return
    with fresh_database() as url, serve_portal(tmp_path, sandbox, DATABASE_URL=url, **SETTINGS) as portal:
        yield portal


@pytest.fixture
def many_pages(sandbox):
    """Pages of 100 and a rate limit the paging stays under: a run is a few dozen pages long,
    and is killed, not deferred by a 429."""
    before = sandbox.admin("GET", "/banks/0001/_sandbox/profile").json()
    sandbox.admin("PATCH", "/banks/0001/_sandbox/profile",
                  json={"page_size": 100, "rate_limit": {"requests": 1000, "per_seconds": 1}})
    yield
    sandbox.admin("PATCH", "/banks/0001/_sandbox/profile",
                  json={"page_size": before["page_size"], "rate_limit": before["rate_limit"]})


class Workers:
    def __init__(self, config, folder):
        self.config, self.folder, self.started = config, folder, 0
        self.alive = [self.start(), self.start()]

    def start(self) -> SyncWorker:
        self.started += 1
        return SyncWorker.start(self.config, self.folder / f"w{self.started}")

    def kill_holder(self, lease_owner: str) -> bool:
        holder = next((w for w in self.alive if w.holds(lease_owner)), None)
        if holder is None:
            return False
        holder.kill()
        self.alive = [w for w in self.alive if w is not holder] + [self.start()]
        return True

    def ready(self) -> None:
        """Every live worker has started: a kill is then taken over by one that runs."""
        for worker in self.alive:
            worker.wait_ready()

    def stop(self):
        for worker in self.alive:
            worker.stop()


def _run(db, run_id) -> SyncRun:
    with db() as s:
        return s.get(SyncRun, run_id)


def test_killed_workers_lose_and_double_nothing(live_portal, db, sandbox, tmp_path, many_pages):
    rng = random.Random(20261130)
    workers = Workers(live_portal.app.config, tmp_path)
    try:
        user = PortalUser(live_portal).signup()
        account_id, remote = link_first(user, sandbox, db)
        sandbox.admin("POST", f"/banks/0001/_sandbox/accounts/{remote.remote_id}/transactions",
                      json={"count": 1200})
        kills, takeovers, runs, rows = 0, [], [], 1500
        while kills < KILLS:
            sandbox.admin("POST", f"/banks/0001/_sandbox/accounts/{remote.remote_id}/transactions",
                          json={"count": rng.randint(1, 20)})
            user.sync(account_id)
            run_id = last_run(db, account_id).id
            runs.append(run_id)
            in_run = 0
            # Often killed twice or more in one run; never so often that the run gives up
            # (MAX_RESUMES), which a slow lease renewal under a loaded machine also counts.
            while kills < KILLS and in_run < MAX_RESUMES // 2 and rng.random() < 0.8:
                target = rng.randint(0, rows)  # a random point: before, inside or after paging
                workers.ready()
                wait_for(lambda: (r := _run(db, run_id)).state in ("done", "failed")  # noqa: B023
                         or (r.state == "running" and r.lease_owner and r.fetched >= target),
                         timeout=60, message="the run to reach the kill point")
                run = _run(db, run_id)
                if run.state != "running" or not workers.kill_holder(run.lease_owner):
                    break
                killed_at, dead, resumes = time.monotonic(), run.lease_owner, run.resumes
                kills += 1
                in_run += 1
                wait_for(lambda: (r := _run(db, run_id)).lease_owner not in (None, dead)  # noqa: B023
                         or r.state != "running", timeout=30, interval=0.02,
                         message="another worker to take the run over")
                # Taken over when the run was resumed, even if the taker finished it before
                # this saw its lease; else the worker had just finished it when it died.
                if _run(db, run_id).resumes > resumes:
                    takeovers.append(time.monotonic() - killed_at)
            assert user.wait_state(account_id, "done", "failed", timeout=90) == "done"
            run = _run(db, run_id)
            in_window = len(truth(sandbox, "0001", remote.remote_id, run.date_from))
            assert run.fetched == in_window == run.added + run.skipped  # each row counted once
            rows = run.fetched
        since = first_window_start(db, account_id)
        assert ledger(db, account_id) == truth(sandbox, "0001", remote.remote_id, since)
        with db() as s:  # the figures of pages a killed worker stored were brought up to date
            assert_kept_equals_recomputed(s, account_id)
        assert max(takeovers) <= LEASE + DISPATCH + TAKEOVER_SLACK, takeovers
        with db() as s:
            active = text("SELECT count(*) FROM sync_run WHERE state IN ('queued', 'running')")
            assert s.exec(active).one()[0] == 0
            resumed = s.exec(text("SELECT sum(resumes) FROM sync_run")).one()[0]
            assert resumed == len(takeovers) >= KILLS - 3
            if s.get_bind().dialect.name == "sqlite":
                assert s.exec(text("PRAGMA integrity_check")).all() == [("ok",)]
                assert s.exec(text("PRAGMA foreign_key_check")).all() == []
        print(f"{kills} kills over {len(runs)} runs, {len(takeovers)} taken over; takeover after "
              f"{min(takeovers):.2f}–{max(takeovers):.2f}s (lease {LEASE}s, dispatch {DISPATCH}s)")
    finally:
        workers.stop()
