"""Deleting an account (口座の削除): what goes with it, said first, then all of it at once.

Goes: its statements (with their other keys and review candidates), its imports, its
review queue and its sync log. Stays: the bank's consent and the bank-side accounts it
sees, while another account uses the consent. When the account is the last one on a
working consent, the consent is ended as 連携解除 does (revoked at the bank, tokens
deleted): nothing would be left to use or end it from, and Tsunagu keeps no bank access
nobody can see. Nothing of another account is touched.
"""
from dataclasses import dataclass

from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from ..banks.registry import BankApi
from ..crypto import TokenCipher
from ..dates import utcnow
from ..models import (
    Account,
    BankConnection,
    MatchReview,
    Statement,
    StatementAlias,
    StatementImport,
    SyncRun,
)
from ..models.vocabulary import ConnectionState, SyncState
from . import connections, ledger_stats
from .accounts import accounts_of_connection
from .books import guard as books_guard


class AccountBusy(ValueError):
    """A sync of the account is running: it would go on writing into a deleted account."""


@dataclass(frozen=True)
class Removal:
    statements: int
    imports: int
    sync_runs: int
    reviews: int
    connection: BankConnection | None  # the consent the account uses, if any
    others: list[Account]  # the other accounts that keep using it
    ends_consent: bool  # the account is the last one on a consent still in force


def _count(session: Session, model, account: Account) -> int:
    return session.exec(select(func.count()).select_from(model).where(
        model.account_id == account.id, model.office_id == account.office_id)).one()


def what_goes(session: Session, account: Account) -> Removal:
    conn = None
    if account.connection_id is not None:
        conn = session.exec(select(BankConnection).where(
            BankConnection.id == account.connection_id,
            BankConnection.office_id == account.office_id)).first()
    others = [a for a in accounts_of_connection(session, conn) if a.id != account.id] if conn else []
    ends = conn is not None and conn.state != ConnectionState.REVOKED and not others
    return Removal(_count(session, Statement, account), _count(session, StatementImport, account),
                   _count(session, SyncRun, account), _count(session, MatchReview, account),
                   conn, others, ends)


def delete_account(session: Session, cipher: TokenCipher, bank: BankApi | None,
                   account: Account) -> Removal:
    """Delete the account and everything of it; AccountBusy while its sync runs."""
    removal = what_goes(session, account)
    mine = (SyncRun.account_id == account.id, SyncRun.office_id == account.office_id)
    # A queued run is ended first: a worker claiming it now finds it gone from the queue.
    session.execute(update(SyncRun).where(*mine, SyncRun.state == SyncState.QUEUED)
                    .values(state=SyncState.FAILED, error_code="account_deleted",
                            finished_at=utcnow()))
    if session.exec(select(SyncRun.id).where(*mine, SyncRun.state == SyncState.RUNNING)).first():
        session.rollback()
        raise AccountBusy(account.id)
    ledger_stats.forget(session, account.id)
    books_guard.account_removing(session, account)  # bookings flagged, not lost
    for model in (StatementAlias, MatchReview, Statement, StatementImport, SyncRun):
        # Children before parents: statements point at imports and sync runs.
        session.execute(delete(model).where(model.account_id == account.id,
                                            model.office_id == account.office_id))
    session.delete(account)
    session.commit()
    if removal.ends_consent:
        connections.disconnect(session, cipher, bank, removal.connection)
    return removal
