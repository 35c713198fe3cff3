"""Booked statements are locked against silent change: when the bank's record of one changes
(amount, date or 摘要) or it leaves the ledger, its entry is flagged (要確認) with a reason;
it is never rewritten or deleted here. The statement services call these hooks; each is
one query when nothing of the statements is booked. The caller commits."""
from sqlalchemy import func, or_, update
from sqlmodel import Session, select

from ...dates import utcnow
from ...models import Account, BookAccountMap, BookEntry, BookLine, BookRule, Statement
from ...models.vocabulary import BookingState, FlagReason

_HELD = (BookingState.BOOKED, BookingState.FLAGGED)


def _flag(session: Session, office_id: int, entry_ids: set[int], reason: FlagReason) -> None:
    if entry_ids:
        session.execute(update(BookEntry).where(
            BookEntry.office_id == office_id, BookEntry.id.in_(entry_ids),
            BookEntry.state.in_(_HELD))
            .values(state=BookingState.FLAGGED, flag_reason=reason,
                    version=BookEntry.version + 1, updated_at=utcnow()))


def statements_changed(session: Session, office_id: int, statement_ids: list[int]) -> int:
    """Flag the entries whose statements now differ from what was booked; returns how many
    lines differ. Skipped statements stay skipped (nothing was booked of them)."""
    if not statement_ids:
        return 0
    session.flush()
    rows = session.exec(select(BookLine.entry_id).join(
        Statement, Statement.id == BookLine.statement_id).where(
        BookLine.office_id == office_id, BookLine.statement_id.in_(statement_ids),
        or_(Statement.amount != BookLine.amount,
            Statement.transaction_date != BookLine.transaction_date,
            Statement.description_norm != BookLine.description_norm))).all()
    _flag(session, office_id, set(rows), FlagReason.CHANGED)
    return len(rows)


def statements_removing(session: Session, office_id: int, statement_ids) -> int:
    """Before statements go (`statement_ids`: ids or a select of them): their booked entries
    are flagged and keep their lines, detached from the statement; a skip goes with its
    statement (nothing was booked). Returns how many lines were touched."""
    lines = session.exec(select(BookLine.id, BookLine.entry_id, BookEntry.state)
                         .join(BookEntry, BookEntry.id == BookLine.entry_id)
                         .where(BookLine.office_id == office_id,
                                BookLine.statement_id.in_(statement_ids))).all()
    if not lines:
        return 0
    skips = {entry_id for _, entry_id, state in lines if state == BookingState.SKIPPED}
    _flag(session, office_id, {entry_id for _, entry_id, _ in lines} - skips, FlagReason.REMOVED)
    session.execute(update(BookLine).where(BookLine.office_id == office_id,
                                           BookLine.id.in_([i for i, _, _ in lines]))
                    .values(statement_id=None))
    if skips:
        from .booking import delete_entries  # booking imports this module

        delete_entries(session, office_id, skips)
    return len(lines)


def account_removing(session: Session, account: Account) -> None:
    """Before an account and its statements go: its bookings are flagged (statements_removing),
    its mapping goes, and rules limited to it are switched off, no longer limited to it."""
    statements_removing(session, account.office_id, select(Statement.id).where(
        Statement.account_id == account.id, Statement.office_id == account.office_id))
    session.execute(BookAccountMap.__table__.delete().where(
        BookAccountMap.account_id == account.id, BookAccountMap.office_id == account.office_id))
    session.execute(update(BookRule).where(BookRule.account_id == account.id,
                                           BookRule.office_id == account.office_id)
                    .values(account_id=None, active=False))


def flagged_count(session: Session, office_id: int) -> int:
    return session.exec(select(func.count()).select_from(BookEntry).where(
        BookEntry.office_id == office_id, BookEntry.state == BookingState.FLAGGED)).one()
