"""The production layout on PostgreSQL: gunicorn (2 web workers, no background work), three
`flask worker` processes and a `flask scheduler`. 200 accounts sync against a bank that takes
100 ms a call and limits our client; one worker is SIGKILLed half-way. Every ledger ends equal
to the bank's, no run is done twice, and the bank never refuses a call for its rate limit.

Also here: which process starts what (web processes and other `flask` commands nothing), and
a sync thread going straight on to the next due run.
"""
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from portal import create_app
from portal.leader import LEADER_LOCK_KEY
from portal.models import Account, Office, SyncRun
from portal.models.vocabulary import SyncMethod
from tests.support.deployment import ROOT, process_env
from tests.support.flows import wait_for
from tests.support.portal_config import portal_config
from tests.support.postgres import fresh_database, server_answers
from tests.support.scale_setup import (
    bank_profile,
    compare_with_bank,
    deployment,
    link_login,
    over_limit,
    request_all,
    unfinished,
    volume_sandbox,
)

LOGINS, PER_LOGIN, STATEMENTS = 4, 50, 20
# 30 calls a second on average; a 3 s window gives the gate's headroom 300 ms of jitter to
# absorb on a busy machine (calls leave evenly spaced, arrive after the bank's delay).
RATE = {"requests": 90, "per_seconds": 3}
LEASE = 3
SETTINGS = {"SYNC_WORKERS": 4, "SYNC_LEASE_SECONDS": LEASE, "SYNC_DISPATCH_SECONDS": 0.5,
            "BANK_MAX_RETRY_WAIT": 2.0, "TOKEN_REFRESH_CHECK_SECONDS": 1}


def _owners(engine) -> set[str]:
    with Session(engine) as s:
        return set(s.exec(select(SyncRun.lease_owner).where(
            SyncRun.state == "running", SyncRun.lease_owner.is_not(None))).all())


@pytest.mark.postgres
@pytest.mark.skipif(not server_answers(), reason="no PostgreSQL server answers")
def test_three_workers_sync_200_accounts_through_a_kill_within_the_bank_limit(tmp_path):
    started = time.monotonic()

    def mark(what):
        print(f"{time.monotonic() - started:6.1f} s  {what}")

    sandbox = volume_sandbox(tmp_path / "bank", logins=LOGINS, per_login=PER_LOGIN, statements=STATEMENTS)
    with sandbox, fresh_database() as url, bank_profile(sandbox, delay=0.1, **RATE):
        dep = deployment(tmp_path / "deploy", sandbox, url, rate_limit=RATE, **SETTINGS)
        engine = create_engine(url)
        with dep:
            dep.migrate()
            dep.start_web()
            workers = [dep.start_worker() for _ in range(3)]
            scheduler = dep.start_scheduler()
            dep.wait_ready()
            mark("deployment up")
            with ThreadPoolExecutor(LOGINS) as pool:
                accounts = [a for batch in pool.map(lambda i: link_login(dep.url, engine, i), range(LOGINS))
                            for a in batch]
            assert len(accounts) == LOGINS * PER_LOGIN
            mark("accounts linked")
            runs = request_all(engine, accounts)
            seen: set[str] = set()

            def progress(done_at_least: int) -> bool:
                seen.update(_owners(engine))
                return len(runs) - unfinished(engine, runs.values()) >= done_at_least

            wait_for(lambda: progress(len(runs) // 3), timeout=120, interval=0.05,
                     message="a third of the runs to end")
            victim = next(w for w in workers if any(w.holds(o) for o in _owners(engine)))
            victim.kill()
            with Session(engine) as s:  # what it held when it died
                held = s.exec(select(SyncRun.id).where(
                    SyncRun.state == "running", SyncRun.lease_owner.like(f"%:{victim.pid}:%"))).all()
            assert held, "the killed worker held no run"
            mark("killed a worker")
            wait_for(lambda: progress(len(runs)), timeout=180, interval=0.1, message="every run to end")

            mark("all runs ended")
            assert compare_with_bank(engine, sandbox, accounts, runs) == []
            allowed, refused = over_limit(sandbox, dep.client_id)
            assert refused == 0, f"the bank refused {refused} of {allowed + refused} calls for its limit"
            assert allowed >= 2 * len(accounts)  # a balance and a page of statements each
            with Session(engine) as s:
                resumed = s.exec(select(SyncRun.id).where(SyncRun.id.in_(held), SyncRun.resumes >= 1)).all()
                assert sorted(resumed) == sorted(held)  # taken over, not run again from scratch
                leaders = s.exec(text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                    "WHERE d.datname = current_database() AND l.locktype = 'advisory' "
                    "AND l.objid = :k AND l.granted"), params={"k": LEADER_LOCK_KEY}).one()[0]
            # Only worker processes ran syncs: every one of them did, the web and the
            # scheduler none; the scheduler took the leadership.
            pids = {int(o.split(":")[-2]) for o in seen}
            assert pids <= {w.pid for w in workers}, (pids, dep.web_pids(), scheduler.pid)
            assert pids == {w.pid for w in workers}
            assert leaders == 1
        engine.dispose()


def test_web_and_other_commands_start_no_background_work(tmp_path):
    """gunicorn's `app:app` and `flask db upgrade` start nothing even when told "all"; a
    process created outside the `flask` command with "all" runs both parts (make run)."""
    cfg = portal_config(tmp_path)
    web = create_app({**cfg}, instance_path=str(tmp_path / "i"))
    assert "background" not in web.extensions
    one = create_app({**cfg, "BACKGROUND_JOBS": "all"}, instance_path=str(tmp_path / "i"))
    try:
        bg = one.extensions["background"]
        assert bg.dispatcher is not None and bg.scheduler.running
    finally:
        one.extensions["stop_background"]()
    settings = {k: v for k, v in cfg.items() if k in ("SECRET_KEY", "TOKEN_KEYS", "DATABASE_URL")}
    env = process_env({**settings, "BACKGROUND_JOBS": "all"}, tmp_path / "i")
    probe = ("import threading, app; "
             "print(sorted(t.name.split('_')[0] for t in threading.enumerate()))")
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "shell"], input=probe,
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "'MainThread'" in out.stdout and "sync" not in out.stdout and "APScheduler" not in out.stdout


def _queue_runs(engine, count: int) -> None:
    """`count` accounts of one office, each with a queued run (ids 1..count)."""
    with Session(engine) as s:
        office = Office(name="o")
        s.add(office)
        s.flush()
        for n in range(count):
            account = Account(office_id=office.id, name=f"a{n}", bank_code="0001", kind="personal",
                              sync_method=SyncMethod.API)
            s.add(account)
            s.flush()
            s.add(SyncRun(office_id=office.id, account_id=account.id, trigger="user"))
        s.commit()


def test_a_sync_thread_claims_the_next_run_as_soon_as_it_ends_one(tmp_path, monkeypatch):
    """With one dispatch and no further tick, two threads work through six due runs."""
    from portal import jobs

    app = create_app(portal_config(tmp_path, SYNC_WORKERS=2, SYNC_DISPATCH_SECONDS=3600),
                     instance_path=str(tmp_path / "i"))
    engine = app.extensions["db_engine"]
    _queue_runs(engine, 6)
    executed = []
    # The first run of each thread waits for the other's: else one thread could finish its
    # run and claim all the rest before the dispatch claimed its second (seen under load).
    both_started = threading.Barrier(2, timeout=30)

    def execute(engine, ctx, run_id):  # the run itself is not the point: mark it done
        executed.append(run_id)
        if len(executed) <= 2:
            both_started.wait()
        with Session(engine) as s:
            s.get(SyncRun, run_id).state = "done"
            s.commit()

    monkeypatch.setattr(jobs.sync_run, "execute", execute)
    dispatcher = jobs.SyncDispatcher(app)
    try:
        assert dispatcher.dispatch() == 2
        wait_for(lambda: len(executed) == 6, timeout=30, message="all six runs")
    finally:
        dispatcher.shutdown()
        engine.dispose()
    assert sorted(executed) == list(range(1, 7))


def test_a_run_whose_thread_fails_is_let_go_not_kept_alive(tmp_path, monkeypatch):
    """An unexpected error out of a run (a bug, the database away) must not leave it
    `running` under a lease this worker's heartbeat keeps renewing: it is let go at once
    and taken over from its cursor."""
    from portal import jobs

    app = create_app(portal_config(tmp_path, SYNC_WORKERS=1, SYNC_DISPATCH_SECONDS=3600,
                                   SYNC_LEASE_SECONDS=3600), instance_path=str(tmp_path / "i"))
    engine = app.extensions["db_engine"]
    _queue_runs(engine, 1)
    executed = []

    def execute(engine, ctx, run_id):
        executed.append(run_id)
        if len(executed) == 1:
            raise RuntimeError("a bug in the middle of a run")
        with Session(engine) as s:
            s.get(SyncRun, run_id).state = "done"
            s.commit()

    monkeypatch.setattr(jobs.sync_run, "execute", execute)
    dispatcher = jobs.SyncDispatcher(app)
    try:
        assert dispatcher.dispatch() == 1
        wait_for(lambda: len(executed) == 2, timeout=30, message="the run taken over")
    finally:
        dispatcher.shutdown()
    with Session(engine) as s:
        run = s.exec(select(SyncRun)).one()
        assert (run.state, run.resumes) == ("done", 1)  # taken over once, from its cursor
    engine.dispose()


def test_the_deploy_layout_runs_the_processes_tested_here(tmp_path):
    """deploy/ starts what the test above starts: gunicorn with deploy/gunicorn.conf.py on
    app:app, `flask worker` (several), `flask scheduler`, after a one-off `db upgrade`; no
    process is told to run background work beside the web; the systemd units are valid."""
    import shutil

    import yaml

    compose = yaml.safe_load((ROOT / "deploy/docker-compose.yml").read_text())["services"]
    assert {"postgres", "web", "worker", "scheduler", "migrate"} <= set(compose)
    assert compose["web"]["command"] == ["gunicorn", "-c", "deploy/gunicorn.conf.py", "app:app"]
    assert compose["worker"]["command"] == ["flask", "--app", "app", "worker"]
    assert compose["worker"]["deploy"]["replicas"] >= 2
    assert compose["scheduler"]["command"] == ["flask", "--app", "app", "scheduler"]
    assert compose["migrate"]["command"] == ["flask", "--app", "app", "db", "upgrade"]
    for name, service in compose.items():
        env = service.get("environment", {})
        assert "TSUNAGU_BACKGROUND_JOBS" not in env and "TSUNAGU_SCHEDULER_ENABLED" not in env, name
        if name not in ("postgres", "redis"):
            assert env["TSUNAGU_RUN_MIGRATIONS_ON_START"] == "false", name
    units = {p.name: p.read_text() for p in (ROOT / "deploy/systemd").glob("*.service")}
    starts = {name: next(line.split("=", 1)[1] for line in text.splitlines() if line.startswith("ExecStart="))
              for name, text in units.items()}
    assert starts == {
        "tsunagu-web.service": "/srv/tsunagu/.venv/bin/gunicorn -c deploy/gunicorn.conf.py app:app",
        "tsunagu-worker@.service": "/srv/tsunagu/.venv/bin/flask --app app worker",
        "tsunagu-scheduler.service": "/srv/tsunagu/.venv/bin/flask --app app scheduler",
        "tsunagu-migrate.service": "/srv/tsunagu/.venv/bin/flask --app app db upgrade",
    }
    if shutil.which("systemd-analyze"):
        # Verified where the programs exist: this checkout and its virtual environment.
        bin_dir = str(Path(sys.executable).parent)
        for name, text in units.items():
            here = text.replace("/srv/tsunagu/.venv/bin", bin_dir).replace("/srv/tsunagu", str(ROOT))
            (tmp_path / name).write_text(here)
        out = subprocess.run(["systemd-analyze", "verify", "--man=no",
                              *(str(tmp_path / n) for n in units)], capture_output=True, text=True)
        assert out.returncode == 0 and "tsunagu" not in out.stderr, out.stderr
