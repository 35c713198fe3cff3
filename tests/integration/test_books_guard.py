"""Booked statements are locked against silent change, on SQLite and PostgreSQL: a change or a
removal through the existing services (manual correction and deletion, undoing an import,
the cutover taking the bank's text, deleting an account) flags the entry, never rewrites or
drops it; resolving accepts the bank's values, undoing returns the statement to the inbox."""
from datetime import date

import pytest
from sqlmodel import select

from portal.models import (
    Account,
    BookEntry,
    BookLine,
    BookRule,
    BookTitle,
    Office,
    Statement,
    StatementImport,
)
from portal.models.vocabulary import BookingState, BusinessForm, FlagReason, RuleMatch, StatementSource
from portal.services import account_removal, imports, manual_entries
from portal.services.books import booking, guard, inbox, masters, rules
from portal.services.books.common import BooksError
from portal.services.books.inbox import Suggestion
from portal.services.books.rules import RuleDraft
from portal.services.cutover.apply import link
from portal.services.statements import upsert_statements


@pytest.fixture
def books(s):
    o = Office(name="事務所")
    s.add(o)
    s.flush()
    account = Account(office_id=o.id, name="手動", bank_code="0001", kind="personal", sync_method="manual")
    s.add(account)
    s.commit()
    masters.start_books(s, o.id, BusinessForm.CORPORATION)
    expense = s.exec(select(BookTitle).where(BookTitle.office_id == o.id, BookTitle.name == "雑費")).one()
    return o.id, account, expense.id


def manual(s, account, day, amount, text="文具"):
    manual_entries.add(s, account, manual_entries.Entry(date(2024, 5, day), text, amount, None))
    return s.exec(select(Statement).where(Statement.account_id == account.id)
                  .order_by(Statement.id.desc())).first()


def state(s, entry_id):
    s.expire_all()
    entry = s.get(BookEntry, entry_id)
    return entry.state, entry.flag_reason


def test_a_manual_correction_of_a_booked_statement_flags_its_entry(s, books):
    office_id, account, expense = books
    st = manual(s, account, 1, -1000)
    entry = booking.confirm(s, office_id, st.id, Suggestion(title_id=expense))
    version = entry.version
    # A memo is the user's own: no flag.
    manual_entries.set_memo(s, account, st, "メモ")
    assert state(s, entry.id) == (BookingState.BOOKED, None)
    manual_entries.edit(s, account, st, manual_entries.Entry(date(2024, 5, 1), "文具", -1200, None))
    assert state(s, entry.id) == (BookingState.FLAGGED, FlagReason.CHANGED)
    held = s.get(BookEntry, entry.id)
    assert held.amount == 1000 and held.version == version + 1  # not rewritten
    assert guard.flagged_count(s, office_id) == 1
    assert booking.list_entries(s, office_id, state=BookingState.FLAGGED)[0].id == entry.id
    # The statement stays out of the inbox; accepting takes the bank's values.
    assert inbox.inbox_page(s, office_id).items == []
    resolved = booking.resolve_flag(s, office_id, entry.id)
    assert (resolved.state, resolved.amount, resolved.flag_reason) == (BookingState.BOOKED, 1200, None)
    line = s.exec(select(BookLine).where(BookLine.entry_id == entry.id)).one()
    assert line.amount == -1200
    # A date change is a change too; a description only counts once normalised.
    st = s.get(Statement, st.id)
    manual_entries.edit(s, account, st, manual_entries.Entry(date(2024, 5, 1), "文　具", -1200, None))
    assert state(s, entry.id) == (BookingState.BOOKED, None)
    manual_entries.edit(s, account, s.get(Statement, st.id),
                        manual_entries.Entry(date(2024, 5, 2), "文具", -1200, None))
    assert state(s, entry.id) == (BookingState.FLAGGED, FlagReason.CHANGED)


def test_deleting_a_booked_manual_statement_flags_and_keeps_the_entry(s, books):
    office_id, account, expense = books
    st = manual(s, account, 1, -1000)
    kept = manual(s, account, 2, -500)
    entry = booking.confirm(s, office_id, st.id, Suggestion(title_id=expense))
    skipped = booking.skip(s, office_id, kept.id, "私用").id
    manual_entries.delete(s, account, s.get(Statement, st.id))
    assert state(s, entry.id) == (BookingState.FLAGGED, FlagReason.REMOVED)
    line = s.exec(select(BookLine).where(BookLine.entry_id == entry.id)).one()
    assert line.statement_id is None and line.amount == -1000
    with pytest.raises(BooksError) as caught:
        booking.resolve_flag(s, office_id, entry.id)
    assert caught.value.code == "statement_removed"
    assert booking.undo(s, office_id, entry.id) == []
    # A skipped statement that goes takes its skip with it (nothing was booked).
    manual_entries.delete(s, account, s.get(Statement, kept.id))
    assert s.exec(select(BookEntry.id).where(BookEntry.id == skipped)).first() is None


def test_undoing_an_import_flags_what_was_booked_of_it(s, books):
    office_id, account, expense = books
    batch = StatementImport(office_id=office_id, account_id=account.id, file_name="a.csv")
    s.add(batch)
    s.flush()
    upsert_statements(s, account, [
        {"transaction_date": date(2024, 5, d), "amount": -100 * d, "description": f"行{d}",
         "balance_after": 10000 - d, "source": StatementSource.CSV, "dedupe_key": f"csv:{d}",
         "import_id": batch.id} for d in (1, 2, 3)])
    account.statement_count = 3
    s.commit()
    ids = s.exec(select(Statement.id).where(Statement.import_id == batch.id).order_by(Statement.id)).all()
    entry = booking.confirm(s, office_id, ids[0], Suggestion(title_id=expense))
    booking.skip(s, office_id, ids[1])
    assert imports.undo(s, account, s.get(StatementImport, batch.id)) == 3
    assert state(s, entry.id) == (BookingState.FLAGGED, FlagReason.REMOVED)
    left = s.exec(select(BookEntry.id).where(BookEntry.office_id == office_id)).all()
    assert left == [entry.id]  # the skip went with its statement


def test_the_bank_text_taken_by_the_cutover_flags_a_booked_statement(s, books):
    office_id, account, expense = books
    st = manual(s, account, 1, -1000, "ｶｰﾄﾞ")
    entry = booking.confirm(s, office_id, st.id, Suggestion(title_id=expense))
    link(s, account, [(s.get(Statement, st.id), {"dedupe_key": "api:x", "description": "カード"})])
    s.commit()
    assert state(s, entry.id) == (BookingState.BOOKED, None)  # the same once normalised
    link(s, account, [(s.get(Statement, st.id), {"dedupe_key": "api:y", "description": "カード ｺﾝﾋﾞﾆ"})])
    s.commit()
    assert state(s, entry.id) == (BookingState.FLAGGED, FlagReason.CHANGED)


def test_deleting_an_account_keeps_its_bookings_flagged(s, books):
    office_id, account, expense = books
    st = manual(s, account, 1, -1000)
    entry = booking.confirm(s, office_id, st.id, Suggestion(title_id=expense))
    rule = rules.create_rule(s, office_id, RuleDraft(RuleMatch.CONTAINS, "文具", account_id=account.id,
                                                     title_id=expense))
    account_removal.delete_account(s, None, None, account)
    assert state(s, entry.id) == (BookingState.FLAGGED, FlagReason.REMOVED)
    s.expire_all()
    held = s.get(BookRule, rule.id)
    assert held.account_id is None and not held.active


def test_flag_hooks_touch_only_the_office_asked(s, books):
    office_id, account, expense = books
    st = manual(s, account, 1, -1000)
    entry = booking.confirm(s, office_id, st.id, Suggestion(title_id=expense))
    s.get(Statement, st.id).amount = -5
    assert guard.statements_changed(s, office_id + 1, [st.id]) == 0
    assert guard.statements_removing(s, office_id + 1, [st.id]) == 0
    s.commit()
    assert state(s, entry.id) == (BookingState.BOOKED, None)
