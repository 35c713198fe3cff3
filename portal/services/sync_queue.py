"""Sync runs as a queue in the database: request, claim atomically, finish, retry later."""
from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
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


def claim_next(session: Session) -> int | None:
    """Take the oldest due run; safe with many workers (SKIP LOCKED on PostgreSQL)."""
    now = utcnow()
    due = (select(SyncRun.id)
           .where(SyncRun.state == SyncState.QUEUED,
                  or_(SyncRun.next_attempt_at.is_(None), SyncRun.next_attempt_at <= now))
           .order_by(SyncRun.id).limit(1))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = session.execute(
        update(SyncRun)
        .where(SyncRun.id == due.scalar_subquery(), SyncRun.state == SyncState.QUEUED)
        .values(state=SyncState.RUNNING, started_at=now, attempts=SyncRun.attempts + 1)
        .returning(SyncRun.id)).first()
    session.commit()
    return claimed[0] if claimed else None


def requeue_stale(session: Session, older_than: datetime) -> int:
    """Runs left 'running' by a process that died go back to the queue."""
    result = session.execute(update(SyncRun).where(
        SyncRun.state == SyncState.RUNNING, SyncRun.started_at < older_than).values(state=SyncState.QUEUED))
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
