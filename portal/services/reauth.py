"""Consents near or past their end, and what to re-authenticate, bank by bank."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, or_, select

from ..dates import utcnow
from ..models import Account, BankConnection
from ..models.vocabulary import ConnectionState, SyncTrigger
from . import sync_queue
from .accounts import accounts_of_connection

WARN_DAYS = 7


@dataclass(frozen=True)
class ConsentStatus:
    connection: BankConnection
    accounts: list[Account]
    expired: bool
    days_left: int | None

    @property
    def first_account(self) -> Account | None:
        return self.accounts[0] if self.accounts else None


def status_of(conn: BankConnection, now: datetime | None = None) -> tuple[bool, int | None]:
    now = now or utcnow()
    if conn.state != ConnectionState.ACTIVE:
        return True, None
    if conn.consent_expires_at is None:
        return False, None
    left = conn.consent_expires_at - now
    return left <= timedelta(0), max(0, left.days)


def needs_attention(conn: BankConnection | None, now: datetime | None = None) -> bool:
    if conn is None:
        return False
    expired, days = status_of(conn, now)
    return expired or (days is not None and days < WARN_DAYS)


def expiring(session: Session, office_id: int, now: datetime | None = None) -> list[ConsentStatus]:
    """Every consent of the office that expires within WARN_DAYS or no longer works."""
    now = now or utcnow()
    conns = list(session.exec(select(BankConnection).where(
        BankConnection.office_id == office_id, BankConnection.state != ConnectionState.REVOKED,
        or_(BankConnection.state == ConnectionState.REAUTH_REQUIRED,
            BankConnection.consent_expires_at <= now + timedelta(days=WARN_DAYS)))
        .order_by(BankConnection.bank_code, BankConnection.id)))
    if not conns:
        return []
    accounts = list(session.exec(select(Account).where(
        Account.connection_id.in_([c.id for c in conns])).order_by(Account.id)))
    out = []
    for conn in conns:
        expired, days = status_of(conn, now)
        out.append(ConsentStatus(conn, [a for a in accounts if a.connection_id == conn.id],
                                 expired, days))
    return [s for s in out if s.accounts]


def resume_syncs(session: Session, conn: BankConnection) -> int:
    """After re-authentication every account of the consent picks up from its last synced date."""
    resumed = 0
    for account in accounts_of_connection(session, conn):
        if account.remote_account_id:
            sync_queue.request_sync(session, account, trigger=SyncTrigger.USER)
            resumed += 1
    return resumed
