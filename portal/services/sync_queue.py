"""Sync runs as a queue in the database: request, claim atomically, finish, retry later."""
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import ClauseElement, and_, bindparam, case, inspect, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from ..dates import utcnow
from ..models import Account, SyncRun
from ..models.vocabulary import ACTIVE_SYNC_STATES, ConnectionState, SyncMethod, SyncState
from . import accounts as accounts_svc


class SyncRequestError(ValueError):
    pass


def active_run(session: Session, account_id: int) -> SyncRun | None:
    return session.exec(select(SyncRun).where(
        SyncRun.account_id == account_id, SyncRun.state.in_(ACTIVE_SYNC_STATES))).first()


def request_sync(session: Session, account: Account, *, trigger: str,
                 not_before: datetime | None = None, reason: str | None = None) -> SyncRun:
    """Queue a run, or return the one already queued or running (never a second one).

    `not_before` defers it (e.g. until the bank opens); `reason` says why, for the page.
    """
    if account.sync_method != SyncMethod.API or account.connection_id is None:
        raise SyncRequestError("not_linked")
    existing = active_run(session, account.id)
    if existing is not None:
        return existing
    run = SyncRun(office_id=account.office_id, account_id=account.id, trigger=trigger,
                  next_attempt_at=not_before, error_code=reason)
    session.add(run)
    account.sync_state = SyncState.QUEUED
    try:
        session.commit()
    except IntegrityError:
        # Another request won the race; the partial unique index refused ours.
        session.rollback()
        return active_run(session, account.id)
    return run


def _claimable(now: datetime):
    """Due queued runs, and running runs whose worker stopped renewing its lease (it died)."""
    return or_(
        and_(SyncRun.state == SyncState.QUEUED,
             or_(SyncRun.next_attempt_at.is_(None), SyncRun.next_attempt_at <= now)),
        # No lease at all: a run claimed before leases existed, whose process is gone.
        and_(SyncRun.state == SyncState.RUNNING,
             or_(SyncRun.lease_expires_at.is_(None), SyncRun.lease_expires_at < now)))


@cache
def _claim_statement(dialect: str):
    """The claim as one statement, built once per dialect (it runs before every sync; building
    SQL expressions costs more CPU than running them). Bound: now, owner, until."""
    now = bindparam("now", type_=SyncRun.__table__.c.lease_expires_at.type)
    due = select(SyncRun.id).where(_claimable(now)).order_by(SyncRun.id).limit(1)
    if dialect == "postgresql":
        due = due.with_for_update(skip_locked=True)
    queued = SyncRun.state == SyncState.QUEUED
    return (update(SyncRun.__table__)
            .where(SyncRun.id == due.scalar_subquery(), _claimable(now))
            .values(state=SyncState.RUNNING,
                    started_at=case((queued, now), else_=SyncRun.started_at),
                    attempts=SyncRun.attempts + case((queued, 1), else_=0),
                    resumes=SyncRun.resumes + case((queued, 0), else_=1),
                    lease_owner=bindparam("owner"), lease_expires_at=bindparam("until"))
            .returning(SyncRun.id))


def claim_next(session: Session, owner: str, lease_seconds: float) -> int | None:
    """Take the oldest claimable run under a lease for `owner`; safe with many workers
    (SKIP LOCKED on PostgreSQL, the single writer on SQLite). A run taken over from a dead
    worker keeps its start time and counts a resume, not an attempt: attempts pace the
    retries of bank faults."""
    now = utcnow()
    claimed = session.execute(
        _claim_statement(session.get_bind().dialect.name),
        {"now": now, "owner": owner, "until": now + timedelta(seconds=lease_seconds)}).first()
    session.commit()
    return claimed[0] if claimed else None


@cache
def _hold_statement():
    """The fence. No values(): the SET clause is the parameters named after columns, the new
    lease and whatever of the run changed since its last write."""
    table = SyncRun.__table__  # Core, not ORM: nothing in the session to synchronise
    return update(table).where(table.c.id == bindparam("run_id"),
                               table.c.lease_owner == bindparam("owner"),
                               table.c.state == SyncState.RUNNING)


_RUN_COLUMNS = frozenset(SyncRun.__table__.c.keys())


def _unwritten(run: SyncRun) -> dict:
    """The run's changed columns, taken out of the session's care (the fence writes them)."""
    state = inspect(run)
    if not state.modified:
        return {}
    unmodified = state.unmodified
    changes = {key: value for key, value in state.dict.items()
               if key in _RUN_COLUMNS and key not in unmodified}
    if any(isinstance(value, ClauseElement) for value in changes.values()):
        return {}  # an SQL expression is no parameter: the flush writes it
    for key, value in changes.items():
        set_committed_value(run, key, value)
    return changes


def hold(session: Session, run: SyncRun, owner: str, lease_seconds: float) -> bool:
    """Renew `owner`'s lease on a running run, in the caller's transaction; False when the run
    is no longer theirs (taken over after their lease ran out, or cancelled). Written before
    each commit of the worker, so a worker that lost its run never writes over the new one:
    on PostgreSQL the row lock it takes holds a taker-over off until that commit.

    The run's own changes (its counters, its window, its end: state and a cleared lease) go
    in the same statement, so they are written only where the lease still holds, and a
    commit costs one statement on the run, not two."""
    changes = _unwritten(run)
    session.flush()  # the caller's other writes, then the fence (as the ORM update did)
    result = session.execute(_hold_statement(), {
        "lease_expires_at": utcnow() + timedelta(seconds=lease_seconds), **changes,
        "run_id": run.id, "owner": owner})
    return result.rowcount == 1


def renew_leases(session: Session, owner: str, lease_seconds: float) -> int:
    """The process heartbeat: extend every lease `owner` holds (a worker waiting out a bank's
    Retry-After is alive, not dead)."""
    result = session.execute(
        update(SyncRun)
        .where(SyncRun.lease_owner == owner, SyncRun.state == SyncState.RUNNING)
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds)))
    session.commit()
    return result.rowcount


def let_go(session: Session, run_id: int, owner: str) -> int:
    """Give up a run this worker still holds but no thread works on any more (its thread
    ended with an unexpected error): the heartbeat must not keep it alive, so the lease
    ends now and any worker takes it over from the stored cursor (MAX_RESUMES bounds it)."""
    result = session.execute(
        update(SyncRun)
        .where(SyncRun.id == run_id, SyncRun.lease_owner == owner, SyncRun.state == SyncState.RUNNING)
        .values(lease_owner=None, lease_expires_at=None))
    session.commit()
    return result.rowcount


def runs_for_account(session: Session, office_id: int, account_id: int, limit: int = 50):
    return list(session.exec(
        select(SyncRun).where(SyncRun.account_id == account_id, SyncRun.office_id == office_id)
        .order_by(SyncRun.id.desc()).limit(limit)))


def request_sync_in_hours(session: Session, account: Account, bank, *, trigger: str) -> SyncRun:
    """Queue a run; outside the bank's service hours it waits for the opening time.

    SyncRequestError where the account's consent no longer works (ended, expired): there is
    nothing to sync with until the user consents again."""
    from ..banks import hours
    from . import call_budget

    conn = accounts_svc.connection_of(session, account)
    if conn is not None and conn.state != ConnectionState.ACTIVE:
        raise SyncRequestError("not_linked")
    status = hours.status(bank) if bank is not None else None
    if status is not None and not status.open:
        return request_sync(session, account, trigger=trigger, not_before=status.resume_at,
                            reason="maintenance" if status.maintenance else "outside_hours")
    if call_budget.remaining(session, bank) == 0:
        return request_sync(session, account, trigger=trigger,
                            not_before=call_budget.next_day_start(), reason="daily_limit")
    return request_sync(session, account, trigger=trigger)


def cancel_active(session: Session, account_ids: list[int], *, reason: str) -> int:
    """End these accounts' queued or running syncs (e.g. their consent was ended). A worker in
    the middle of one is refused its next page by the bank (the token is revoked) and, at the
    latest, finds the consent gone before it would mark the run done. The caller commits."""
    if not account_ids:
        return 0
    result = session.execute(update(SyncRun).where(
        SyncRun.account_id.in_(account_ids), SyncRun.state.in_(ACTIVE_SYNC_STATES))
        .values(state=SyncState.FAILED, error_code=reason, finished_at=utcnow()))
    return result.rowcount
