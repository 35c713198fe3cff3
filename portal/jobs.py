"""Background work, in the processes meant to do it.

- Syncs (`flask worker`): a SyncDispatcher, SYNC_WORKERS threads claiming runs from the
  sync_run table under leases. Any number of worker processes share one database.
- Scheduled jobs (`flask scheduler`, or `flask worker --with-scheduler`): APScheduler (3.x)
  queues the scheduled syncs and refreshes tokens; only the deployment's leader acts
  (portal/leader.py), so running it in several processes is safe. The e-mail notices job
  runs in each of them (portal/notice_mail.py: safe without a leader).
- Web processes start neither, unless BACKGROUND_JOBS is "all" (make run: one process).
"""
import atexit
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from . import gc_tuning
from .banks.rate_gate import make_rate_gate
from .db import session_scope
from .leader import Leadership
from .services import schedule, sync_queue, sync_run

log = logging.getLogger(__name__)
MODES = ("all", "none")


def background_mode(config) -> str:
    """What create_app starts in this process: BACKGROUND_JOBS, else the older
    SCHEDULER_ENABLED (True = "all")."""
    mode = config.get("BACKGROUND_JOBS") or ("all" if config.get("SCHEDULER_ENABLED") else "none")
    if mode not in MODES:
        raise ValueError(f"BACKGROUND_JOBS must be one of {MODES}, not {mode!r}")
    return mode


def sync_context(app: Flask, threads: int | None = None) -> sync_run.SyncContext:
    """What this process's sync threads share; the process is one that runs syncs from now
    on, so its garbage is collected as suits them (gc_tuning)."""
    gc_tuning.for_syncs()
    engine, registry = app.extensions["db_engine"], app.extensions["bank_registry"]
    return sync_run.SyncContext(
        registry=registry, cipher=app.extensions["token_cipher"],
        overlap_days=app.config["SYNC_OVERLAP_DAYS"], http_timeout=app.config["BANK_HTTP_TIMEOUT"],
        max_retry_wait=app.config["BANK_MAX_RETRY_WAIT"],
        lease_seconds=app.config["SYNC_LEASE_SECONDS"],
        # One budget per bank for every process of the deployment (portal/banks/rate_gate.py).
        rate_gate=make_rate_gate(app.config, engine, registry),
        http_connections=threads or app.config["SYNC_WORKERS"])


class SyncDispatcher:
    """SYNC_WORKERS threads running sync runs. A thread that finishes a run claims the next
    due one at once; a loop every SYNC_DISPATCH_SECONDS renews this process's leases and
    hands newly due runs to idle threads."""

    def __init__(self, app: Flask, threads: int | None = None):
        self.engine = app.extensions["db_engine"]
        self.threads = threads or app.config["SYNC_WORKERS"]
        self.ctx = sync_context(app, self.threads)
        self.interval = app.config["SYNC_DISPATCH_SECONDS"]
        self.pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="sync")
        self._idle = threading.Semaphore(self.threads)
        self._stopping = threading.Event()
        self._renewed_at: float | None = None
        self._orphans: set[int] = set()
        self._loop_thread: threading.Thread | None = None

    def start(self) -> None:
        self._loop_thread = threading.Thread(target=self._loop, name="sync-dispatch", daemon=True)
        self._loop_thread.start()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.dispatch()
            except Exception:  # the database away for a moment: try again next tick
                log.exception("sync dispatch failed")
            self._stopping.wait(self.interval)

    def _renew_leases(self) -> None:
        # A third of a lease between renewals: a slow tick never lets a live lease run out.
        self._let_go_orphans()
        now = time.monotonic()
        if self._renewed_at is None or now - self._renewed_at >= self.ctx.lease_seconds / 3:
            with session_scope(self.engine) as session:
                sync_queue.renew_leases(session, self.ctx.worker_id, self.ctx.lease_seconds)
            self._renewed_at = now

    def _claim(self) -> int | None:
        if self._stopping.is_set():
            return None
        with session_scope(self.engine) as session:
            return sync_queue.claim_next(session, self.ctx.worker_id, self.ctx.lease_seconds)

    def dispatch(self) -> int:
        """Renew leases when due, then claim due runs (and runs whose worker died) while a
        thread is idle; returns how many were started."""
        self._renew_leases()
        started = 0
        while self._idle.acquire(blocking=False):
            try:
                run_id = self._claim()
            except Exception:
                self._idle.release()
                raise
            if run_id is None:
                self._idle.release()
                break
            self.pool.submit(self._work, run_id)
            started += 1
        return started

    def _work(self, run_id: int | None) -> None:
        try:
            while run_id is not None:
                try:
                    sync_run.execute(self.engine, self.ctx, run_id)
                except Exception:  # execute writes its own failures; this is a bug or the DB
                    log.exception("sync run %s ended with an error", run_id)
                    self._let_go(run_id)
                try:  # straight on to the next due run, not at the next tick
                    run_id = self._claim()
                except Exception:
                    log.exception("claiming the next sync run failed")
                    run_id = None
        finally:
            self._idle.release()

    def _let_go(self, run_id: int) -> None:
        self._orphans.add(run_id)
        self._let_go_orphans()

    def _let_go_orphans(self) -> None:
        # Before every renewal too: the heartbeat renews whatever this worker holds, so a run
        # no thread works on must be given up first (retried while the database is away).
        for run_id in list(self._orphans):
            try:
                with session_scope(self.engine) as session:
                    sync_queue.let_go(session, run_id, self.ctx.worker_id)
                self._orphans.discard(run_id)
            except Exception:
                log.exception("letting go of sync run %s failed", run_id)
                return

    def shutdown(self) -> None:
        """Claim nothing more, let the runs in hand finish (a run cut short here would be
        taken over after its lease anyway), then close the bank clients' resources."""
        self._stopping.set()
        if self._loop_thread is not None:
            self._loop_thread.join()
        self.pool.shutdown(wait=True, cancel_futures=False)
        self.ctx.close()


def run_pending(app: Flask) -> int:
    """Run every due run now, in this thread (CLI `flask sync run-pending` and tests)."""
    engine, ctx, count = app.extensions["db_engine"], sync_context(app, threads=1), 0
    try:
        while True:
            with session_scope(engine) as session:
                run_id = sync_queue.claim_next(session, ctx.worker_id, ctx.lease_seconds)
            if run_id is None:
                return count
            sync_run.execute(engine, ctx, run_id)
            count += 1
    finally:
        ctx.close()


def make_scheduler(app: Flask) -> tuple[BackgroundScheduler, Leadership]:
    """Scheduled syncs and token refresh; each job acts only in the leader."""
    engine = app.extensions["db_engine"]
    registry, cipher = app.extensions["bank_registry"], app.extensions["token_cipher"]
    leadership = Leadership(engine)

    def scheduled_syncs():
        if leadership.is_leader():
            with session_scope(engine) as session:
                schedule.queue_scheduled_syncs(session, registry)

    def refresh_tokens():
        if leadership.is_leader():
            with session_scope(engine) as session:
                schedule.refresh_due_tokens(session, registry, cipher)

    def notices():
        # Not leader-only: the outbox's unique key and the claim under a lease make a second
        # process harmless, and a standby scheduler keeps mail going if the leader is stuck.
        from .notice_mail import run_once

        run_once(app)

    def webhook_deliveries():
        # In every scheduler process too: deliveries are claimed under a lease.
        from .webhook_delivery import deliver_due

        deliver_due(app)

    def webhook_consent_events():
        from .webhook_delivery import scan_consents

        scan_consents(app)

    scheduler = BackgroundScheduler(timezone="Asia/Tokyo")
    scheduler.add_job(scheduled_syncs, "cron", id="scheduled-syncs",
                      hour=app.config["SYNC_SCHEDULE_HOURS"], minute=app.config["SYNC_SCHEDULE_MINUTE"],
                      max_instances=1, coalesce=True)
    scheduler.add_job(refresh_tokens, "interval", id="refresh-tokens",
                      seconds=app.config["TOKEN_REFRESH_CHECK_SECONDS"], max_instances=1,
                      coalesce=True)
    scheduler.add_job(notices, "interval", id="notices",
                      seconds=app.config["NOTICE_CHECK_SECONDS"], max_instances=1,
                      coalesce=True)
    scheduler.add_job(webhook_deliveries, "interval", id="webhooks",
                      seconds=app.config["WEBHOOK_CHECK_SECONDS"], max_instances=1,
                      coalesce=True)
    scheduler.add_job(webhook_consent_events, "interval", id="webhook-consents",
                      seconds=app.config["NOTICE_CHECK_SECONDS"], max_instances=1,
                      coalesce=True)
    return scheduler, leadership


@dataclass
class Background:
    dispatcher: SyncDispatcher | None = None
    scheduler: BackgroundScheduler | None = None
    leadership: Leadership | None = None
    _stopped: bool = field(default=False, repr=False)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.dispatcher is not None:
            self.dispatcher.shutdown()
        if self.leadership is not None:
            self.leadership.release()


def start_background(app: Flask, *, syncs: bool = True, scheduled: bool = True,
                     threads: int | None = None) -> Background:
    """Start this process's background work (once per app): the sync threads, the
    scheduled jobs, or both."""
    if "background" in app.extensions:
        return app.extensions["background"]
    bg = Background()
    if syncs:
        bg.dispatcher = SyncDispatcher(app, threads)
        bg.dispatcher.start()
        app.extensions["sync_dispatcher"] = bg.dispatcher
    if scheduled:
        bg.scheduler, bg.leadership = make_scheduler(app)
        bg.scheduler.start()
        app.extensions["scheduler"] = bg.scheduler
    app.extensions["background"] = bg
    app.extensions["stop_background"] = bg.stop
    atexit.register(bg.stop)
    return bg
