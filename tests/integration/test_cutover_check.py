"""The statements page's check of a switched account (cutover.check.day_mismatches) reads the
kept day figures of the days a bank row can reach, not the statements, and finds what a
whole-ledger check finds, on SQLite and PostgreSQL; the writers that link a file row to a
bank key (a sync's page, a review) keep those figures right."""
import random
from datetime import date, timedelta

from sqlalchemy import event
from sqlmodel import select

from portal.ledger.cutover_match import MAX_DAY_GAP, IncomingRow, LedgerRow, overlap_check
from portal.models import MatchReview, Statement, StatementAlias, SyncRun
from portal.models.vocabulary import ReviewState, StatementSource
from portal.services import ledger_stats
from portal.services.cutover.apply import apply_api_page, dump_row, load_row
from portal.services.cutover.check import day_mismatches
from portal.services.cutover.reviews import resolve
from tests.support.ledger_checks import assert_kept_equals_recomputed
from tests.support.office_rows import office_with_account

CUTOVER = date(2026, 6, 1)
ASKED_FROM = CUTOVER - timedelta(days=31)


def whole_ledger_check(s, account, limit=10):
    """The check as it was: every statement of the account read, then compared."""
    rows = s.exec(select(Statement).where(Statement.account_id == account.id)).all()
    file_rows = [r for r in rows
                 if r.source != StatementSource.API and r.transaction_date < account.cutover_date]
    linked = set(s.exec(select(StatementAlias.statement_id).where(
        StatementAlias.account_id == account.id, StatementAlias.dedupe_key.startswith("api:"))))
    bank_rows = [r for r in rows if r.source == StatementSource.API or r.id in linked]
    pending = [load_row(m.incoming) for m in s.exec(select(MatchReview).where(
        MatchReview.account_id == account.id, MatchReview.state == ReviewState.OPEN))]
    if not file_rows or not (bank_rows or pending):
        return []
    existing = [LedgerRow(r.id, r.transaction_date, r.amount, r.description, r.balance_after,
                          r.value_date, False) for r in file_rows]
    incoming = [IncomingRow(str(r.id), r.transaction_date, r.amount, r.description,
                            r.balance_after, r.value_date) for r in bank_rows]
    incoming += [IncomingRow(p["dedupe_key"], p["transaction_date"], p["amount"],
                             p.get("description") or "", p.get("balance_after"), p.get("value_date"))
                 for p in pending]
    return overlap_check(existing, incoming)[:limit]


def _row(account, day, amount, key, source):
    return Statement(office_id=account.office_id, account_id=account.id, transaction_date=day,
                     amount=amount, description="ﾃｽﾄ", description_norm="テスト",
                     source=source, dedupe_key=key)


def _switched_account(s, seed):
    """Two years of file history up to the day before the cutover; the bank's rows from the
    first run's window (31 days before it) to after it, most days the same as the files',
    some missing, doubled or different; a file row linked to a bank key dated before the
    window (by less than MAX_DAY_GAP, as matching allows), and a row in review."""
    rnd = random.Random(seed)
    account = office_with_account(s, office_name=f"事業所{seed}")
    account.cutover_date = CUTOVER
    s.add(SyncRun(office_id=account.office_id, account_id=account.id, trigger="user",
                  state="done", date_from=ASKED_FROM, date_to=CUTOVER + timedelta(days=10)))
    day = CUTOVER - timedelta(days=730)
    while day < CUTOVER:
        amount = rnd.choice([-3000, -1200, 500, 8000])
        s.add(_row(account, day, amount, f"csv:{day}", StatementSource.CSV))
        if day >= ASKED_FROM:
            change = rnd.random()
            if change > 0.15:  # the bank has the same row
                bank_amount = amount if change > 0.25 else amount + 1
                s.add(_row(account, day, bank_amount, f"api:{day}", StatementSource.API))
            if change < 0.05:  # and one more
                s.add(_row(account, day, -99, f"api:{day}:extra", StatementSource.API))
        day += timedelta(days=1)
    for extra in range(11):
        later = CUTOVER + timedelta(days=extra)
        s.add(_row(account, later, 700, f"api:{later}", StatementSource.API))
    s.flush()
    early = s.exec(select(Statement).where(
        Statement.account_id == account.id,
        Statement.transaction_date == ASKED_FROM - timedelta(days=2))).one()
    s.add(StatementAlias(office_id=account.office_id, account_id=account.id,
                         dedupe_key="api:linked", statement_id=early.id))
    s.add(MatchReview(office_id=account.office_id, account_id=account.id, candidate_ids="",
                      incoming=dump_row({"dedupe_key": "api:review", "amount": -4321,
                                         "transaction_date": ASKED_FROM + timedelta(days=3),
                                         "description": "ﾚﾋﾞｭｰ"})))
    ledger_stats.rebuild_account(s, account.id)  # rows written here, not by the services
    s.commit()
    return account


def test_the_check_finds_what_a_whole_ledger_check_finds(s):
    for seed in range(3):
        account = _switched_account(s, seed)
        found = day_mismatches(s, account, limit=100)
        assert found, "the bank's rows differ from the files' on some days"
        assert found == whole_ledger_check(s, account, limit=100)
        # The linked file row, dated before the window, starts the compared days.
        assert min(m.day for m in found) <= ASKED_FROM


def test_the_check_reads_day_figures_not_statements(s, engine):
    """Its work is a row per day of the overlap: no statement is read, only the kept day
    figures, bounded by the overlap's first day."""
    account = _switched_account(s, 7)
    reads = []

    def seen(_conn, _cursor, statement, parameters, _context, _many):
        reads.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert day_mismatches(s, account)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert not [sql for sql, _ in reads if "FROM statement " in sql + " "], reads
    (sql, parameters), = [r for r in reads if "FROM ledger_day" in r[0]]
    first_day = ASKED_FROM - timedelta(days=MAX_DAY_GAP)
    values = list(parameters.values() if isinstance(parameters, dict) else parameters)
    assert first_day in values or first_day.isoformat() in values, (sql, values)


def _bank_row(day, amount, key):
    return {"dedupe_key": key, "transaction_date": day, "amount": amount,
            "description": "ﾃｽﾄ", "source": StatementSource.API}


def test_linking_writers_keep_the_day_figures(s):
    """A sync's page links the file rows the bank sends again, inserts what the files lack
    and holds the twins of day 7 for review; a review links its row. Each time the kept
    figures equal a recount and the check equals the whole-ledger check: only day 5, where
    the files lack a row of the bank's, disagrees."""
    account = office_with_account(s, office_name="切替事業所")
    account.cutover_date = CUTOVER
    s.add(SyncRun(office_id=account.office_id, account_id=account.id, trigger="user",
                  state="done", date_from=ASKED_FROM, date_to=CUTOVER))
    for n in range(10):
        day = ASKED_FROM + timedelta(days=n)
        s.add(_row(account, day, -1000 - n, f"csv:{n}", StatementSource.CSV))
    # Two file rows alike on day 7: a bank row there is ambiguous and waits in review.
    s.add(_row(account, ASKED_FROM + timedelta(days=7), -5000, "csv:twin-a", StatementSource.CSV))
    s.add(_row(account, ASKED_FROM + timedelta(days=7), -5000, "csv:twin-b", StatementSource.CSV))
    ledger_stats.rebuild_account(s, account.id)
    s.commit()
    page = [_bank_row(ASKED_FROM + timedelta(days=n), -1000 - n, f"api:{n}") for n in range(10)]
    page.append(_bank_row(ASKED_FROM + timedelta(days=5), 300, "api:only-bank"))
    page.append(_bank_row(ASKED_FROM + timedelta(days=7), -5000, "api:twin-1"))
    page.append(_bank_row(ASKED_FROM + timedelta(days=7), -5000, "api:twin-2"))
    assert apply_api_page(s, account, page) == 1  # the row the files lack
    s.commit()
    assert_kept_equals_recomputed(s, account.id)
    sides = ledger_stats.kept_sides(s, account.id)
    assert sides[ASKED_FROM + timedelta(days=5)].linked_rows == 1
    assert sides[ASKED_FROM + timedelta(days=5)].api_rows == 1
    found = day_mismatches(s, account, limit=100)
    assert found == whole_ledger_check(s, account, limit=100)
    assert [m.day for m in found] == [ASKED_FROM + timedelta(days=5)]

    review, _other = s.exec(select(MatchReview).where(MatchReview.account_id == account.id)
                            .order_by(MatchReview.id)).all()
    resolve(s, account, review.id, "link", int(review.candidate_ids.split(",")[0]))
    assert_kept_equals_recomputed(s, account.id)
    assert ledger_stats.kept_sides(s, account.id)[ASKED_FROM + timedelta(days=7)].linked_rows == 2
    assert day_mismatches(s, account, limit=100) == whole_ledger_check(s, account, limit=100)
