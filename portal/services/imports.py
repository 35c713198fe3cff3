"""取り込みの履歴: the statement files an account took in, and undoing one as a whole.

Undo removes exactly the rows that import added (they carry its id): never rows the account
held before (an import only adds what it did not hold), other imports' rows, manual or API
rows. It refuses while any of them is linked to an API key by the cutover matching: such a
row is the bank's record now, and removing it would let the API row in again as new.
"""
from sqlalchemy import func, update
from sqlmodel import Session, select

from ..dates import utcnow
from ..models import Account, Statement, StatementImport
from ..models.vocabulary import StatementSource, SyncMethod
from . import balances, statement_removal

LIST_LIMIT = 100


class UndoRefused(ValueError):
    def __init__(self, code: str, count: int = 0):
        super().__init__(code)
        self.code = code  # undone | linked | empty
        self.count = count  # for linked: how many rows carry an API key


def list_imports(session: Session, account: Account) -> list[StatementImport]:
    return list(session.exec(select(StatementImport).where(
        StatementImport.account_id == account.id, StatementImport.office_id == account.office_id)
        .order_by(StatementImport.id.desc()).limit(LIST_LIMIT)))


def import_of(session: Session, account: Account, import_id: int) -> StatementImport | None:
    return session.exec(select(StatementImport).where(
        StatementImport.id == import_id, StatementImport.account_id == account.id,
        StatementImport.office_id == account.office_id)).first()


def rows_of(session: Session, batch: StatementImport) -> int:
    """How many statements of this import the ledger holds (what an undo removes)."""
    return session.exec(select(func.count()).select_from(Statement).where(
        Statement.import_id == batch.id, Statement.account_id == batch.account_id)).one()


def check_undo(session: Session, account: Account, batch: StatementImport) -> int:
    """How many statements an undo removes; UndoRefused when it cannot be undone."""
    if batch.undone_at is not None:
        raise UndoRefused("undone")
    linked = statement_removal.api_linked(session, account, Statement.import_id == batch.id)
    if linked:
        raise UndoRefused("linked", linked)
    count = rows_of(session, batch)
    if count == 0:
        raise UndoRefused("empty")
    return count


def undo(session: Session, account: Account, batch: StatementImport) -> int:
    """Remove the import's statements; returns how many went. The account's count and
    balance follow; an account that became 従来の方法 through files and holds none now is
    手動 again."""
    check_undo(session, account, batch)
    # Claimed first, so two clicks (or two tabs) undo it once.
    claimed = session.execute(update(StatementImport).where(
        StatementImport.id == batch.id, StatementImport.undone_at.is_(None))
        .values(undone_at=utcnow())).rowcount
    if not claimed:
        session.rollback()
        raise UndoRefused("undone")
    since = session.exec(select(func.min(Statement.transaction_date))
                         .where(Statement.import_id == batch.id)).one()
    removed = statement_removal.remove(session, account, Statement.import_id == batch.id)
    account.statement_count = Account.statement_count - removed  # in SQL: no lost update
    if account.sync_method == SyncMethod.LEGACY and account.cutover_date is None \
            and not _holds_file_rows(session, account):
        account.sync_method = SyncMethod.MANUAL
    balances.after_write(session, account, since)
    session.commit()
    session.refresh(batch)
    return removed


def _holds_file_rows(session: Session, account: Account) -> bool:
    return session.exec(select(Statement.id).where(
        Statement.account_id == account.id,
        Statement.source.in_([StatementSource.LEGACY, StatementSource.CSV])).limit(1)).first() is not None
