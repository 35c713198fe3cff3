"""After a switch to the API: do the file history and the bank agree, day by day?

Over the overlap (first API date .. last file date) the statements that came from files and
the rows the bank sent (inserted, linked to a file row, or waiting in review) must have the
same count and sum each day (matching rules (c)). A day that disagrees means a row missing
from one side or doubled: it is shown, never guessed at.
"""
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from ...ledger.cutover_match import MAX_DAY_GAP, DayMismatch, add_to_day, day_totals_check
from ...models import Account, MatchReview, SyncRun
from ...models.vocabulary import ReviewState
from .. import ledger_stats
from .apply import load_row


def day_mismatches(session: Session, account: Account, limit: int = 10) -> list[DayMismatch]:
    """The overlap's days whose file rows and bank rows disagree (the first `limit`).

    Work bounded by the overlap's days, never by its rows or the whole ledger (the first
    statements page shows this): the day figures kept as rows are written (ledger_stats)
    count and sum each day's rows, those the bank sent and the file rows an API key also
    names. Bank rows come from the windows the account's sync runs asked for (every run is
    kept), and a file row linked to one lies within MAX_DAY_GAP days of it (apply_api_page
    matches a page's rows against those days only); rows in review count by their own
    dates. The file history before all of them has no bank row to be compared with (the
    compared days start at the first bank row), and bank rows from the cutover on could
    only move that start: only the days between are read."""
    cutover = account.cutover_date
    if cutover is None:
        return []
    pending = [load_row(m.incoming) for m in session.exec(select(MatchReview).where(
        MatchReview.account_id == account.id, MatchReview.state == ReviewState.OPEN))]
    asked_from = session.exec(select(func.min(SyncRun.date_from))
                              .where(SyncRun.account_id == account.id)).one()
    starts = [p["transaction_date"] for p in pending]
    if asked_from is not None:
        starts.append(asked_from - timedelta(days=MAX_DAY_GAP))
    if not starts:
        return []
    files: dict[date, tuple[int, int]] = {}
    bank: dict[date, tuple[int, int]] = {}
    for day, rows, total, sides in ledger_stats.sides_between(session, account.id, min(starts), cutover):
        if rows > sides.api_rows:  # a side with no row on a day is absent from its mapping
            add_to_day(files, day, rows - sides.api_rows, total - sides.api_sum)
        if sides.api_rows + sides.linked_rows:  # linked file rows are on both sides
            add_to_day(bank, day, sides.api_rows + sides.linked_rows, sides.api_sum + sides.linked_sum)
    for p in pending:
        add_to_day(bank, p["transaction_date"], 1, p["amount"])
    return day_totals_check(files, bank)[:limit]
