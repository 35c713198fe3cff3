"""The fence a sync worker writes before each commit (sync_queue.hold) carries the run's own
changes: they reach the database only while the worker still holds the run's lease, in the
one statement that renews it, on SQLite and PostgreSQL."""
from datetime import date, timedelta

from sqlalchemy import event
from sqlmodel import Session

from portal.dates import utcnow
from portal.models import SyncRun
from portal.models.vocabulary import SyncState, SyncTrigger
from portal.services import sync_queue
from tests.support.office_rows import office_with_account


def _running_run(s: Session, owner: str) -> int:
    account = office_with_account(s)
    run = SyncRun(office_id=account.office_id, account_id=account.id, trigger=SyncTrigger.USER,
                  state=SyncState.RUNNING, lease_owner=owner,
                  lease_expires_at=utcnow() + timedelta(seconds=5))
    s.add(run)
    s.commit()
    return run.id


def _stored(engine, run_id: int) -> SyncRun:
    with Session(engine) as fresh:
        return fresh.get(SyncRun, run_id)


def test_a_worker_that_lost_the_run_writes_none_of_its_changes(engine, s):
    run_id = _running_run(s, "worker-b")  # taken over: worker-b holds it now
    run = s.get(SyncRun, run_id)
    run.fetched, run.date_from = 40, date(2026, 1, 5)
    assert sync_queue.hold(s, run, "worker-a", 60) is False
    s.rollback()
    stored = _stored(engine, run_id)
    assert (stored.fetched, stored.date_from, stored.lease_owner) == (0, None, "worker-b")


def test_the_holder_writes_its_changes_with_the_renewed_lease(engine, s):
    run_id = _running_run(s, "worker-a")
    before = _stored(engine, run_id).lease_expires_at
    run = s.get(SyncRun, run_id)
    run.fetched, run.added, run.date_from, run.resume_cursor = 40, 38, date(2026, 1, 5), "k40"
    sent = []
    event.listen(engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    assert sync_queue.hold(s, run, "worker-a", 600) is True
    s.commit()
    # One statement on the run: the fence, with the changes in it.
    runs = [sql for sql in sent if "sync_run" in sql]
    assert len(runs) == 1 and "fetched" in runs[0] and "lease_owner" in runs[0]
    stored = _stored(engine, run_id)
    assert (stored.fetched, stored.added, stored.date_from, stored.resume_cursor) == (
        40, 38, date(2026, 1, 5), "k40")
    assert stored.lease_expires_at > before and stored.lease_owner == "worker-a"


def test_the_end_of_a_run_goes_in_the_fence_and_closes_it(engine, s):
    run_id = _running_run(s, "worker-a")
    run = s.get(SyncRun, run_id)
    run.state, run.finished_at = SyncState.DONE, utcnow()
    run.lease_owner = run.lease_expires_at = None
    assert sync_queue.hold(s, run, "worker-a", 60) is True
    s.commit()
    stored = _stored(engine, run_id)
    assert (stored.state, stored.lease_owner, stored.lease_expires_at) == (SyncState.DONE, None, None)
    assert stored.finished_at is not None
    # Ended: no worker holds it any more, its last holder included.
    run.fetched = 99
    assert sync_queue.hold(s, run, "worker-a", 60) is False
    s.rollback()
    assert _stored(engine, run_id).fetched == 0


def test_after_a_rollback_the_end_still_goes_in_the_fence(engine, s):
    # A sync that fails rolls back (expiring the run) and then writes the run's end.
    run_id = _running_run(s, "worker-a")
    run = s.get(SyncRun, run_id)
    run.fetched = 7
    s.flush()
    s.rollback()
    run.state, run.error_code = SyncState.FAILED, "bank_error"
    run.lease_owner = run.lease_expires_at = None
    assert sync_queue.hold(s, run, "worker-a", 60) is True
    # What the session holds is the end too (the webhooks read it), not the stored row the
    # expired run reloads for its other columns.
    assert (run.state, run.error_code, run.lease_owner, run.fetched) == (
        SyncState.FAILED, "bank_error", None, 0)
    s.commit()
    stored = _stored(engine, run_id)
    assert (stored.state, stored.error_code, stored.lease_owner, stored.fetched) == (
        SyncState.FAILED, "bank_error", None, 0)
