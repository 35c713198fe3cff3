"""After a switch to the API: do the file history and the bank agree, day by day?

Over the overlap (first API date .. last file date) the statements that came from files and
the rows the bank sent (inserted, linked to a file row, or waiting in review) must have the
same count and sum each day (matching rules (c)). A day that disagrees means a row missing
from one side or doubled: it is shown, never guessed at.
"""
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from ...ledger.cutover_match import DayMismatch, day_totals_check
from ...models import Account, MatchReview, Statement, StatementAlias, SyncRun
from ...models.vocabulary import ReviewState, StatementSource
from .apply import load_row


def day_mismatches(session: Session, account: Account, limit: int = 10) -> list[DayMismatch]:
    """The overlap's days whose file rows and bank rows disagree (the first `limit`).

    Work bounded by the overlap, never by the whole ledger (the first statements page shows
    this): the bank's rows come from the windows the account's sync runs asked for (every
    run is kept); a linked file row and a row in review count by their own dates; the file
    history before all of them has no bank row to be compared with (the compared days
    start at the first bank row). The statements are counted and summed per day by the
    database; bank rows from the cutover on could only move that start, so none are read."""
    cutover = account.cutover_date
    if cutover is None:
        return []
    linked = session.exec(  # (day, rows, sum) of the file rows the bank also sent
        select(Statement.transaction_date, func.count(), func.sum(Statement.amount))
        .join(StatementAlias, StatementAlias.statement_id == Statement.id)
        .where(StatementAlias.account_id == account.id, StatementAlias.dedupe_key.startswith("api:"))
        .group_by(Statement.transaction_date)).all()
    pending = [load_row(m.incoming) for m in session.exec(select(MatchReview).where(
        MatchReview.account_id == account.id, MatchReview.state == ReviewState.OPEN))]
    asked_from = session.exec(select(func.min(SyncRun.date_from))
                              .where(SyncRun.account_id == account.id)).one()
    starts = [d for d in (asked_from, *(day for day, _, _ in linked),
                          *(p["transaction_date"] for p in pending)) if d is not None]
    if not starts:
        return []
    per_day = session.exec(
        select(Statement.transaction_date, Statement.source, func.count(), func.sum(Statement.amount))
        .where(Statement.account_id == account.id, Statement.transaction_date >= min(starts),
               Statement.transaction_date < cutover)
        .group_by(Statement.transaction_date, Statement.source)).all()
    files: dict[date, tuple[int, int]] = {}
    bank: dict[date, tuple[int, int]] = {}
    for day, source, rows, total in per_day:
        side = bank if source == StatementSource.API else files
        _add(side, day, rows, int(total))
    for day, rows, total in linked:  # file rows the bank also sent: on both sides
        _add(bank, day, rows, int(total))
    for p in pending:
        _add(bank, p["transaction_date"], 1, p["amount"])
    return day_totals_check(files, bank)[:limit]


def _add(side: dict[date, tuple[int, int]], day: date, rows: int, total: int) -> None:
    """Rows and their sum added to a side's (rows, sum) of the day."""
    had_rows, had_total = side.get(day, (0, 0))
    side[day] = (had_rows + rows, had_total + total)
