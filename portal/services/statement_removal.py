"""Taking statements out of the ledger without leaving anything pointing at them.

A statement the cutover matching linked to an API key is the bank's record as well: it
is never removed here (the caller refuses first, with `api_linked`). Anything else that
points at a removed statement goes with it: its other keys (StatementAlias) and its place
among a review's candidates (MatchReview)."""
from sqlalchemy import delete, func
from sqlmodel import Session, select

from ..models import Account, MatchReview, Statement, StatementAlias
from . import ledger_stats
from .books import guard as books_guard
from .cutover.reviews import drop_candidates


def api_linked(session: Session, account: Account, *where) -> int:
    """How many of the account's statements matching `where` carry an API key."""
    return session.exec(select(func.count(func.distinct(StatementAlias.statement_id)))
                        .join(Statement, Statement.id == StatementAlias.statement_id)
                        .where(Statement.account_id == account.id,
                               StatementAlias.dedupe_key.startswith("api:"), *where)).one()


def remove(session: Session, account: Account, *where) -> int:
    """Delete the account's statements matching `where` and what points at them; returns
    how many went. The caller refuses linked ones first, keeps the counts and commits."""
    scope = (Statement.account_id == account.id, Statement.office_id == account.office_id, *where)
    ids = select(Statement.id).where(*scope)
    if session.exec(select(MatchReview.id).where(MatchReview.account_id == account.id)).first():
        drop_candidates(session, account, set(session.exec(ids)))
    books_guard.statements_removing(session, account.office_id, ids)  # booked: flagged, kept
    session.execute(delete(StatementAlias).where(StatementAlias.statement_id.in_(ids)))
    days = set(session.exec(select(Statement.transaction_date).where(*scope).distinct()))
    removed = session.execute(delete(Statement).where(*scope)).rowcount
    ledger_stats.touched(session, account.id, days)
    return removed
