"""Deleting an office (事業所の削除, an owner's right): what goes with it, said first, then all
of it at once.

Goes: every row of the office in every table that has an office_id (accounts, statements,
imports, sync log, consents and the bank-side accounts they see, bookkeeping, members,
invitations, API tokens, webhooks, notices, the audit log), found from the schema itself, so
a table added later goes too. Consents still in force are ended first as 連携解除 does
(revoked at the bank, best effort, and the tokens deleted). The members' sessions end. Users
stay: a member of no office then signs in to the page that offers to make or join one.
Nothing of another office is touched.
"""
from dataclasses import dataclass

from sqlalchemy import delete, func, update
from sqlmodel import Session, SQLModel, select

from ..banks.registry import BankRegistry
from ..crypto import TokenCipher
from ..dates import utcnow
from ..models import Account, BankConnection, LedgerDay, Membership, Office, SyncRun, User
from ..models.api import ApiToken, WebhookEndpoint
from ..models.books import BookEntry
from ..models.vocabulary import ConnectionState, SyncState
from . import connections


class NoSuchOffice(LookupError):
    pass


class OfficeBusy(ValueError):
    """A sync of the office is running: it would go on writing into a deleted office."""


@dataclass(frozen=True)
class OfficeRemoval:
    name: str
    accounts: int
    statements: int
    consents: list[str]  # bank codes of the consents still in force, ended at the bank
    members: int
    entries: int
    api_tokens: int
    webhooks: int


def _count(session: Session, model, office_id: int) -> int:
    return session.exec(select(func.count()).select_from(model).where(
        model.office_id == office_id)).one()


def _in_force(session: Session, office_id: int) -> list[BankConnection]:
    return list(session.exec(select(BankConnection).where(
        BankConnection.office_id == office_id, BankConnection.state != ConnectionState.REVOKED)
        .order_by(BankConnection.id)))


def what_goes(session: Session, office_id: int) -> OfficeRemoval:
    office = session.get(Office, office_id)
    if office is None:
        raise NoSuchOffice(office_id)
    # From the kept per-day figures (ledger_stats): counting the statements would read them all.
    statements = session.exec(select(func.coalesce(func.sum(LedgerDay.rows), 0)).where(
        LedgerDay.office_id == office_id)).one()
    return OfficeRemoval(office.name, _count(session, Account, office_id), int(statements),
                         [c.bank_code for c in _in_force(session, office_id)],
                         _count(session, Membership, office_id), _count(session, BookEntry, office_id),
                         _count(session, ApiToken, office_id), _count(session, WebhookEndpoint, office_id))


def office_tables():
    """Every table with an office_id, children before parents."""
    return [t for t in reversed(SQLModel.metadata.sorted_tables) if "office_id" in t.c]


def delete_office(session: Session, cipher: TokenCipher, banks: BankRegistry,
                  office_id: int) -> OfficeRemoval:
    """Delete the office and everything of it; OfficeBusy while one of its syncs runs."""
    removal = what_goes(session, office_id)
    mine = SyncRun.office_id == office_id
    # Queued runs are ended first: a worker claiming one now finds it gone from the queue.
    session.execute(update(SyncRun).where(mine, SyncRun.state == SyncState.QUEUED)
                    .values(state=SyncState.FAILED, error_code="office_deleted", finished_at=utcnow()))
    if session.exec(select(SyncRun.id).where(mine, SyncRun.state == SyncState.RUNNING)).first():
        session.rollback()
        raise OfficeBusy(office_id)
    session.commit()
    for conn in _in_force(session, office_id):  # each commits: a consent ended stays ended
        connections.disconnect(session, cipher, banks.get(conn.bank_code), conn)
    members = select(Membership.user_id).where(Membership.office_id == office_id)
    # Their sessions end, as when a member is removed (the actor's too: they start afresh).
    session.execute(update(User).where(User.id.in_(members))
                    .values(session_version=User.session_version + 1))
    # (The feed's triggers write a change row for each statement and booking deleted here;
    # statement_change, with no key to them, comes after them and takes those rows too.)
    for table in office_tables():
        session.execute(delete(table).where(table.c.office_id == office_id))
    session.execute(delete(Office.__table__).where(Office.__table__.c.id == office_id))
    session.commit()
    return removal
