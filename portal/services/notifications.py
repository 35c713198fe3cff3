"""E-mail notifications as an outbox: events found (or reported) become Notice rows, which
senders claim under a lease and mark sent.

Exactly once where the database can promise it:
- An event is one row per recipient: the rows are inserted with ON CONFLICT DO NOTHING on
  (user_id, kind, event_key), so the same event seen by two processes, or again after a
  restart, adds nothing.
- A row is sent by the one process that claimed it (a conditional UPDATE, or FOR UPDATE SKIP
  LOCKED on PostgreSQL); a sender that dies leaves a lease that runs out, and another process
  takes the row over.
At least once, honestly, in one case: a process that dies after the SMTP server accepted a
mail and before mark_sent committed sends that mail again once its lease has run out.

Who gets what: owners and admins of the office for consent and sync events (the members who
can renew a consent or fix an account); the member who started it for a long task.
"""
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from ..dates import to_jst
from ..models import Account, BankConnection, Membership, Notice, NoticeOptOut, SyncRun
from ..models.vocabulary import ConnectionState, NoticeKind, NoticeState, Role, SyncState
from .accounts import bank_name
from .leased_claims import claim_due

THRESHOLDS = (1, 7, 14)  # days before a consent ends
RECIPIENT_ROLES = (Role.OWNER, Role.ADMIN)
FAILURE_STREAK = 3
# How far back a sync failure streak is looked for: a streak that already fills the window
# began long ago and was noticed when it reached FAILURE_STREAK.
STREAK_WINDOW = 10
# An ended consent is noticed only while recent: a deployment switching mail on must not mail
# about consents that ended long ago.
ENDED_RECENT_DAYS = 14
FINISHED = (SyncState.DONE, SyncState.FAILED, SyncState.NEEDS_SELECTION)


# --- Opt-out ---------------------------------------------------------------------------

def opted_out(session: Session, user_id: int) -> set[NoticeKind]:
    return set(session.exec(select(NoticeOptOut.kind).where(NoticeOptOut.user_id == user_id)))


def set_opt_out(session: Session, user_id: int, kind: NoticeKind, off: bool) -> None:
    """Switch one kind off (`off`) or back on; doing it twice changes nothing."""
    row = session.exec(select(NoticeOptOut).where(
        NoticeOptOut.user_id == user_id, NoticeOptOut.kind == kind)).first()
    if off and row is None:
        _insert_ignoring_duplicates(session, NoticeOptOut, [{"user_id": user_id, "kind": kind}],
                                    ["user_id", "kind"])
    elif not off and row is not None:
        session.delete(row)
    session.commit()


# --- Enqueueing ------------------------------------------------------------------------

def _insert_ignoring_duplicates(session: Session, model, rows: list[dict], keys: list[str]) -> int:
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = session.execute(insert(model.__table__).values(rows)
                             .on_conflict_do_nothing(index_elements=keys))
    return max(result.rowcount or 0, 0)


def enqueue(session: Session, *, user_ids, office_id: int | None, kind: NoticeKind,
            event_key: str, payload: dict) -> int:
    """One pending notice per user not opted out of `kind`; an event already noticed for a
    user adds nothing. Returns how many rows were added. The caller commits."""
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return 0
    off = set(session.exec(select(NoticeOptOut.user_id).where(
        NoticeOptOut.user_id.in_(user_ids), NoticeOptOut.kind == kind)))
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    rows = [{"user_id": u, "office_id": office_id, "kind": kind, "event_key": event_key,
             "payload": text, "state": NoticeState.PENDING, "attempts": 0}
            for u in user_ids if u not in off]
    return _insert_ignoring_duplicates(session, Notice, rows, ["user_id", "kind", "event_key"])


def _managers(session: Session, office_ids) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for office_id, user_id in session.exec(select(Membership.office_id, Membership.user_id).where(
            Membership.office_id.in_(set(office_ids)), Membership.role.in_(RECIPIENT_ROLES))):
        out.setdefault(office_id, []).append(user_id)
    return out


def _accounts_by_connection(session: Session, connection_ids) -> dict[int, list[Account]]:
    out: dict[int, list[Account]] = {}
    for account in session.exec(select(Account).where(
            Account.connection_id.in_(set(connection_ids))).order_by(Account.id)):
        out.setdefault(account.connection_id, []).append(account)
    return out


def _day(value: datetime) -> date:
    return to_jst(value).date()


def threshold(days_left: int) -> int | None:
    """The notice a consent with `days_left` (Japan's days) is due: the smallest threshold
    at or above it, so that a consent first seen 6 days before its end gets the 7-day
    notice once, and no 14-day one."""
    return next((t for t in THRESHOLDS if t >= days_left), None)


def _consent_payload(conn: BankConnection, accounts: list[Account]) -> dict:
    return {"bank_code": conn.bank_code, "bank": bank_name(conn.bank_code),
            "accounts": [a.name for a in accounts],
            "expires": _day(conn.consent_expires_at).isoformat() if conn.consent_expires_at else None}


@dataclass
class ConsentEvent:
    office_id: int
    connection_id: int
    accounts: list[Account]
    kind: NoticeKind  # CONSENT_EXPIRING or CONSENT_ENDED
    key: str
    payload: dict


def consent_events(session: Session, now: datetime) -> list[ConsentEvent]:
    """Active consents ending within the largest threshold, and consents that ended lately
    (past their end, or stopped by the bank: REAUTH_REQUIRED). A consent a member ended
    (REVOKED, "disconnected") is no news to its office. Mails and webhooks both use this."""
    recent = now - timedelta(days=ENDED_RECENT_DAYS)
    conns = list(session.exec(select(BankConnection).where(or_(
        and_(BankConnection.state == ConnectionState.ACTIVE,
             BankConnection.consent_expires_at <= now + timedelta(days=max(THRESHOLDS)),
             BankConnection.consent_expires_at >= recent),
        and_(BankConnection.state != ConnectionState.ACTIVE,
             or_(BankConnection.state_reason.is_(None), BankConnection.state_reason != "disconnected"),
             BankConnection.updated_at >= recent)))))
    if not conns:
        return []
    accounts = _accounts_by_connection(session, [c.id for c in conns])
    events = []
    for conn in conns:
        if not accounts.get(conn.id):
            continue  # a consent no account uses any more: nothing to renew
        payload = _consent_payload(conn, accounts[conn.id])
        expiry = conn.consent_expires_at.isoformat() if conn.consent_expires_at else "none"
        ends = conn.consent_expires_at
        if conn.state == ConnectionState.ACTIVE and ends > _naive_like(ends, now):
            due = threshold((_day(conn.consent_expires_at) - _day(now)).days)
            payload["days"] = due
            # The expiry is in the key: a renewed consent has a new one, so new notices.
            key = f"consent:{conn.id}:{expiry}:{due}"
            kind = NoticeKind.CONSENT_EXPIRING
        else:
            # One lapse, one mail: the same consent (same expiry) ends once, whether it ran
            # out (still ACTIVE, or marked REAUTH_REQUIRED later) or the bank stopped it.
            payload["reason"] = ("expired" if conn.state == ConnectionState.ACTIVE
                                 else conn.state_reason or str(conn.state))
            key = f"consent-ended:{conn.id}:{expiry}"
            kind = NoticeKind.CONSENT_ENDED
        events.append(ConsentEvent(conn.office_id, conn.id, accounts[conn.id], kind, key, payload))
    return events


def _scan_consents(session: Session, now: datetime) -> int:
    events = consent_events(session, now)
    managers = _managers(session, [e.office_id for e in events]) if events else {}
    return sum(enqueue(session, user_ids=managers.get(e.office_id, []), office_id=e.office_id,
                       kind=e.kind, event_key=e.key, payload=e.payload) for e in events)


def _naive_like(stored: datetime, now: datetime) -> datetime:
    # SQLite gives stored times back naive (UTC by convention: portal/dates.py).
    return now.replace(tzinfo=None) if stored.tzinfo is None and now.tzinfo is not None else now


def _streak_start(runs: list[SyncRun]) -> SyncRun | None:
    """The first failed run of a streak of FAILURE_STREAK or more ending with the newest run
    (runs newest first), when the streak began inside the window."""
    streak = 0
    for run in runs:
        if run.state != SyncState.FAILED:
            break
        streak += 1
    if streak < FAILURE_STREAK or streak == len(runs) == STREAK_WINDOW:
        return None
    return runs[streak - 1]


def _scan_sync_failures(session: Session) -> int:
    """Accounts whose last FAILURE_STREAK finished runs failed. The candidates are the accounts
    whose last run failed (the account row says so), and for each only its newest runs are
    read (by the (account_id, id) index): never a whole log."""
    candidates = list(session.exec(select(Account).where(or_(
        Account.sync_state == SyncState.FAILED,
        # A next run queued already: the failures before it still count.
        and_(Account.sync_state.in_((SyncState.QUEUED, SyncState.RUNNING)),
             Account.sync_error_code.is_not(None))))))
    if not candidates:
        return 0
    managers = _managers(session, [a.office_id for a in candidates])
    added = 0
    for account in candidates:
        runs = list(session.exec(select(SyncRun).where(
            SyncRun.account_id == account.id, SyncRun.state.in_(FINISHED))
            .order_by(SyncRun.id.desc()).limit(STREAK_WINDOW)))
        first = _streak_start(runs)
        if first is None:
            continue
        # Keyed on the streak's first failure: a fourth failure is the same streak, a
        # streak after a success is a new one.
        last = runs[0].finished_at
        added += enqueue(
            session, user_ids=managers.get(account.office_id, []), office_id=account.office_id,
            kind=NoticeKind.SYNC_FAILING, event_key=f"sync-failing:{account.id}:{first.id}",
            payload={"account_id": account.id, "account": account.name,
                     "bank_code": account.bank_code, "bank": bank_name(account.bank_code),
                     "failures": FAILURE_STREAK, "last": _day(last).isoformat() if last else None})
    return added


def scan(session: Session, now: datetime) -> int:
    """Find the events due a notice and enqueue them; returns how many rows were added."""
    added = _scan_consents(session, now) + _scan_sync_failures(session)
    session.commit()
    return added


def long_task_finished(session: Session, *, user_id: int, office_id: int | None, task: str,
                       task_id: str | int, seconds: float, summary: dict,
                       threshold_seconds: float) -> bool:
    """A notice to the member who started an import or export that took at least
    `threshold_seconds` (they may have left the page). `summary`: counts only."""
    if seconds < threshold_seconds:
        return False
    added = enqueue(session, user_ids=[user_id], office_id=office_id, kind=NoticeKind.LONG_TASK_DONE,
                    event_key=f"task:{task}:{task_id}",
                    payload={"task": task, "seconds": round(seconds), **summary})
    session.commit()
    return added > 0


# --- Sending ---------------------------------------------------------------------------

def _due(now: datetime):
    # PENDING rows carry their retry time in claimed_until; SENDING rows whose lease ran out
    # belong to a sender that died.
    return or_(and_(Notice.state == NoticeState.PENDING,
                    or_(Notice.claimed_until.is_(None), Notice.claimed_until <= now)),
               and_(Notice.state == NoticeState.SENDING, Notice.claimed_until < now))


def claim(session: Session, now: datetime, lease_seconds: float, limit: int = 50) -> list[int]:
    """Take up to `limit` due notices for this process under a lease; another process never
    gets the same row while the lease runs."""
    return claim_due(session, Notice, _due(now), limit=limit, values={
        "state": NoticeState.SENDING, "claimed_until": now + timedelta(seconds=lease_seconds),
        "attempts": Notice.attempts + 1})


def mark_sent(session: Session, notice_id: int, now: datetime, note: str | None = None) -> None:
    session.execute(update(Notice).where(Notice.id == notice_id).values(
        state=NoticeState.SENT, sent_at=now, claimed_until=None, last_error=note))
    session.commit()


def retry_delay(attempts: int) -> timedelta:
    """1, 5, 25 ... minutes, at most six hours."""
    return timedelta(minutes=min(5 ** max(attempts - 1, 0), 360))


def mark_failed(session: Session, notice_id: int, now: datetime, error: str, *,
                max_attempts: int, retry_at: datetime | None = None) -> NoticeState:
    """A failed send: pending again from `retry_at` (default: backoff by attempts), or
    FAILED for good after `max_attempts`."""
    notice = session.get(Notice, notice_id)
    if notice.attempts >= max_attempts:
        state, until = NoticeState.FAILED, None
    else:
        state, until = NoticeState.PENDING, retry_at or now + retry_delay(notice.attempts)
    session.execute(update(Notice).where(Notice.id == notice_id).values(
        state=state, claimed_until=until, last_error=error[:300]))
    session.commit()
    return state
