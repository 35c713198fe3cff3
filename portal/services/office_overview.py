"""The accountant's overview: one row per office of a user, each figure worked out for all
their offices at once (one grouped query per figure, never one query per office)."""
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import case, exists, func, literal, union_all
from sqlmodel import Session, select

from ..dates import utcnow
from ..models import Account, BankConnection, BookSetup, Membership, Office, Statement
from ..models.vocabulary import ConnectionState, Role, SyncState
from .books.inbox import unbooked

EXPIRING_DAYS = 30
# The inbox is counted newest first and stops after INBOX_UP_TO + 1 rows per office (the
# inbox's own index): a million-row ledger costs as much as a small one; past it, "100+".
INBOX_UP_TO = 100
_ARMS_PER_QUERY = 200  # SQLite allows 500 terms in one compound SELECT

COLUMNS = ("name", "role", "accounts", "expiring", "expired", "failing", "inbox", "last_sync")
_ROLE_RANK = {Role.OWNER: 0, Role.ADMIN: 1, Role.BOOKKEEPER: 2, Role.VIEWER: 3}


@dataclass(frozen=True)
class OfficeRow:
    office_id: int
    name: str
    role: Role
    accounts: int = 0
    expiring: int = 0  # consents ending within EXPIRING_DAYS
    expired: int = 0  # consents ended or needing re-authentication
    failing: int = 0  # accounts whose last sync failed
    inbox: int | None = None  # statements waiting to be booked; None: no bookkeeping yet
    last_sync: datetime | None = None

    @property
    def inbox_more(self) -> bool:
        return self.inbox is not None and self.inbox > INBOX_UP_TO


def _offices_of(user_id: int):
    return select(Membership.office_id).where(Membership.user_id == user_id)


def offices_of(session: Session, user_id: int) -> list[tuple[int, str, Role]]:
    """(id, name, role) of every office of the user, by name: what the switcher lists."""
    rows = session.exec(select(Office.id, Office.name, Membership.role)
                        .join(Membership, Membership.office_id == Office.id)
                        .where(Membership.user_id == user_id).order_by(Office.name, Office.id))
    return [(oid, name, Role(role)) for oid, name, role in rows]


def overview(session: Session, user_id: int, now: datetime | None = None) -> list[OfficeRow]:
    now = now or utcnow()
    mine = _offices_of(user_id)
    rows = {oid: OfficeRow(oid, name, Role(role)) for oid, name, role in session.exec(
        select(Office.id, Office.name, Membership.role)
        .join(Membership, Membership.office_id == Office.id).where(Membership.user_id == user_id))}
    if not rows:
        return []
    for oid, count, failing, last in session.exec(
            select(Account.office_id, func.count(Account.id),
                   func.sum(case((Account.sync_state == SyncState.FAILED, 1), else_=0)),
                   func.max(Account.last_synced_at))
            .where(Account.office_id.in_(mine)).group_by(Account.office_id)):
        rows[oid] = replace(rows[oid], accounts=count, failing=int(failing or 0), last_sync=last)
    # As the re-authentication page sees consents: not ended by a member, used by an account.
    ended = (BankConnection.state == ConnectionState.REAUTH_REQUIRED) | (
        BankConnection.consent_expires_at <= now)
    soon = ((BankConnection.state == ConnectionState.ACTIVE) & (BankConnection.consent_expires_at > now)
            & (BankConnection.consent_expires_at <= now + timedelta(days=EXPIRING_DAYS)))
    used = exists().where(Account.connection_id == BankConnection.id)
    for oid, expiring, expired in session.exec(
            select(BankConnection.office_id, func.sum(case((soon, 1), else_=0)),
                   func.sum(case((ended, 1), else_=0)))
            .where(BankConnection.office_id.in_(mine),
                   BankConnection.state != ConnectionState.REVOKED, used)
            .group_by(BankConnection.office_id)):
        rows[oid] = replace(rows[oid], expiring=int(expiring or 0), expired=int(expired or 0))
    for oid, count in _inbox_counts(session, mine):
        rows[oid] = replace(rows[oid], inbox=count)
    return list(rows.values())


def _inbox_counts(session: Session, mine) -> list[tuple[int, int]]:
    """Capped inbox counts of the user's offices that keep books: one arm per office in a
    UNION ALL, each arm a bounded range of the inbox index (a GROUP BY would read every
    unbooked statement of every office)."""
    booked = list(session.exec(select(BookSetup.office_id).where(BookSetup.office_id.in_(mine))
                               .order_by(BookSetup.office_id)))
    out = []
    for start in range(0, len(booked), _ARMS_PER_QUERY):
        arms = []
        for oid in booked[start:start + _ARMS_PER_QUERY]:
            capped = (select(Statement.id).where(Statement.office_id == oid, unbooked())
                      .order_by(Statement.transaction_date.desc(), Statement.id.desc())
                      .limit(INBOX_UP_TO + 1).subquery())
            arms.append(select(literal(oid).label("office_id"),
                               func.count().label("n")).select_from(capped))
        out.extend((oid, n) for oid, n in session.execute(union_all(*arms)))
    return out


def _key(column: str):
    def key(row: OfficeRow):
        if column == "name":
            return row.name.casefold(), row.office_id
        if column == "role":
            return _ROLE_RANK[row.role], row.name.casefold()
        return getattr(row, column), row.name.casefold()
    return key


def sort_rows(rows: list[OfficeRow], column: str, descending: bool = False) -> list[OfficeRow]:
    """By one column; rows without a value (no bookkeeping, never synced) last either way."""
    column = column if column in COLUMNS else "name"
    present = [r for r in rows if column in ("name", "role") or getattr(r, column) is not None]
    absent = [r for r in rows if column not in ("name", "role") and getattr(r, column) is None]
    return (sorted(present, key=_key(column), reverse=descending)
            + sorted(absent, key=_key("name")))
