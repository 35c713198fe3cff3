"""Background work: one APScheduler (3.x) per deployment dispatching queued sync runs.

The queue is the sync_run table; the scheduler only wakes a dispatcher every second,
which claims due runs and hands them to a small thread pool.
"""
import atexit
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from threading import BoundedSemaphore

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from .db import session_scope
from .leader import Leadership
from .services import schedule, sync_queue, sync_run

log = logging.getLogger(__name__)


def sync_context(app: Flask) -> sync_run.SyncContext:
    return sync_run.SyncContext(
        registry=app.extensions["bank_registry"], cipher=app.extensions["token_cipher"],
        overlap_days=app.config["SYNC_OVERLAP_DAYS"], http_timeout=app.config["BANK_HTTP_TIMEOUT"],
        max_retry_wait=app.config["BANK_MAX_RETRY_WAIT"],
        lease_seconds=app.config["SYNC_LEASE_SECONDS"])


class SyncDispatcher:
    def __init__(self, app: Flask):
        self.engine = app.extensions["db_engine"]
        self.ctx = sync_context(app)
        workers = app.config["SYNC_WORKERS"]
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sync")
        self.slots = BoundedSemaphore(workers)
        self._renewed_at = 0.0

    def dispatch(self) -> int:
        """Renew this process's leases when a third of one has gone by, then claim due runs
        (and runs whose worker died) while a worker is free; returns how many were started."""
        now = time.monotonic()
        if now - self._renewed_at >= self.ctx.lease_seconds / 3:
            with session_scope(self.engine) as session:
                sync_queue.renew_leases(session, self.ctx.worker_id, self.ctx.lease_seconds)
            self._renewed_at = now
        started = 0
        while self.slots.acquire(blocking=False):
            with session_scope(self.engine) as session:
                run_id = sync_queue.claim_next(session, self.ctx.worker_id, self.ctx.lease_seconds)
            if run_id is None:
                self.slots.release()
                break
            self.pool.submit(self._run, run_id)
            started += 1
        return started

    def _run(self, run_id: int) -> None:
        try:
            sync_run.execute(self.engine, self.ctx, run_id)
        finally:
            self.slots.release()

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=False)


def run_pending(app: Flask) -> int:
    """Run every due run now, in this thread (CLI `flask sync run-pending` and tests)."""
    engine, ctx, count = app.extensions["db_engine"], sync_context(app), 0
    while True:
        with session_scope(engine) as session:
            run_id = sync_queue.claim_next(session, ctx.worker_id, ctx.lease_seconds)
        if run_id is None:
            return count
        sync_run.execute(engine, ctx, run_id)
        count += 1


def start_scheduler(app: Flask) -> BackgroundScheduler:
    # Runs a dead process left 'running' need nothing here: their leases run out and any
    # dispatcher (this one too) takes them over.
    dispatcher = SyncDispatcher(app)
    scheduler = BackgroundScheduler(timezone="Asia/Tokyo")
    scheduler.add_job(dispatcher.dispatch, "interval", id="dispatch-syncs",
                      seconds=app.config["SYNC_DISPATCH_SECONDS"], max_instances=1, coalesce=True)
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

    scheduler.add_job(scheduled_syncs, "cron", id="scheduled-syncs",
                      hour=app.config["SYNC_SCHEDULE_HOURS"], minute=app.config["SYNC_SCHEDULE_MINUTE"],
                      max_instances=1, coalesce=True)
    scheduler.add_job(refresh_tokens, "interval", id="refresh-tokens",
                      seconds=app.config["TOKEN_REFRESH_CHECK_SECONDS"], max_instances=1,
                      coalesce=True)
    scheduler.start()
    app.extensions["scheduler"] = scheduler
    app.extensions["sync_dispatcher"] = dispatcher

    def _stop():
        if scheduler.running:
            scheduler.shutdown(wait=False)
        dispatcher.shutdown()
        leadership.release()

    app.extensions["stop_background"] = _stop
    atexit.register(_stop)
    return scheduler
