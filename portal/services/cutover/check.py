"""After a switch to the API: do the file history and the bank agree, day by day?

Over the overlap (first API date .. last file date) the statements that came from files and
the rows the bank sent (inserted, linked to a file row, or waiting in review) must have the
same count and sum each day (matching rules (c)). A day that disagrees means a row missing
from one side or doubled: it is shown, never guessed at.
"""
from sqlmodel import Session, select

from ...ledger.cutover_match import DayMismatch, IncomingRow, LedgerRow, overlap_check
from ...models import Account, MatchReview, Statement, StatementAlias
from ...models.vocabulary import ReviewState, StatementSource
from .apply import load_row


def day_mismatches(session: Session, account: Account, limit: int = 10) -> list[DayMismatch]:
    if account.cutover_date is None:
        return []
    rows = session.exec(select(Statement).where(Statement.account_id == account.id)).all()
    file_rows = [r for r in rows
                 if r.source != StatementSource.API and r.transaction_date < account.cutover_date]
    linked = set(session.exec(select(StatementAlias.statement_id).where(
        StatementAlias.account_id == account.id, StatementAlias.dedupe_key.startswith("api:"))))
    bank_rows = [r for r in rows if r.source == StatementSource.API or r.id in linked]
    pending = [load_row(m.incoming) for m in session.exec(select(MatchReview).where(
        MatchReview.account_id == account.id, MatchReview.state == ReviewState.OPEN))]
    if not file_rows or not (bank_rows or pending):
        return []
    existing = [LedgerRow(r.id, r.transaction_date, r.amount, r.description, r.balance_after,
                          r.value_date, False) for r in file_rows]
    incoming = [IncomingRow(str(r.id), r.transaction_date, r.amount, r.description, r.balance_after,
                            r.value_date) for r in bank_rows]
    incoming += [IncomingRow(p["dedupe_key"], p["transaction_date"], p["amount"],
                             p.get("description") or "", p.get("balance_after"), p.get("value_date"))
                 for p in pending]
    window = (min(i.transaction_date for i in incoming), max(e.transaction_date for e in existing))
    return overlap_check(existing, incoming, window)[:limit]
