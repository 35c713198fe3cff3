"""Journal exports and reconciliation on SQLite and PostgreSQL: JournalEntry values, export
records, "only what is new", entries changed after an export, and months that do not add up."""
from datetime import date

import pytest
from sqlmodel import select

from portal.bookkeeping.entry import EntryKind
from portal.models import Account, BookCounterparty, BookDepartment, BookTag, BookTitle, Office, Statement
from portal.models.vocabulary import BusinessForm, ExportChange, StatementSource
from portal.services import manual_entries
from portal.services.books import booking, journal_export, masters, reconcile
from portal.services.books.common import BooksError, NotFound
from portal.services.books.inbox import Suggestion
from portal.services.statements import upsert_statements


def setup(s, banks=("0001", "0005")):
    o = Office(name="事務所")
    s.add(o)
    s.flush()
    accounts = [Account(office_id=o.id, name=f"口座{i}", bank_code=b, kind="personal", sync_method="api")
                for i, b in enumerate(banks)]
    s.add_all(accounts)
    s.commit()
    masters.start_books(s, o.id, BusinessForm.CORPORATION)
    return o.id, accounts


def title(s, office_id, name):
    return s.exec(select(BookTitle).where(BookTitle.office_id == office_id, BookTitle.name == name)).one().id


def rows(s, account, items):
    """items: (day, amount, description, balance_after), month 5 unless day is a date."""
    upsert_statements(s, account, [
        {"transaction_date": d if isinstance(d, date) else date(2024, 5, d), "amount": amount,
         "description": text, "balance_after": balance, "source": StatementSource.API,
         "dedupe_key": f"api:{account.id}:{i}:{text}"} for i, (d, amount, text, balance) in enumerate(items)])
    s.commit()
    return s.exec(select(Statement.id).where(Statement.account_id == account.id)
                  .order_by(Statement.transaction_date, Statement.id)).all()


def test_entries_as_journal_entries_and_export_records(s):
    office_id, (a, b) = setup(s)
    ids = rows(s, a, [(1, 110000, "ｳﾘｱｹﾞ", None), (2, -3300, "ﾃﾞﾝｷ", None), (3, -10000, "ﾌﾘｶｴ", None)])
    (other,) = rows(s, b, [(3, 10000, "ﾌﾘｶｴ", None)])
    cp = masters.add_named(s, office_id, BookCounterparty, "東京電力")
    dept = masters.add_named(s, office_id, BookDepartment, "本社")
    tag = masters.add_named(s, office_id, BookTag, "固定費")
    sale = booking.confirm(s, office_id, ids[0], Suggestion(title_id=title(s, office_id, "売上高")))
    elec = booking.confirm(s, office_id, ids[1], Suggestion(
        title_id=title(s, office_id, "水道光熱費"), counterparty_id=cp.id, department_id=dept.id,
        memo="5月分", tag_ids=(tag.id,)))
    move = booking.confirm_transfer(s, office_id, ids[2], other)
    done = journal_export.export_journal(s, office_id, format_key="freee", period_from=date(2024, 5, 1),
                                         period_to=date(2024, 5, 31), user_id=None)
    je = {e.entry_id: e for e in done.entries}
    assert list(je) == [journal_export.entry_code(x.id) for x in (sale, elec, move)]
    assert journal_export.entry_code(123) == "TSU-000123"
    income = je[journal_export.entry_code(sale.id)]
    assert income.kind == EntryKind.INCOME
    assert (income.debit.account_title, income.debit.sub_account) == ("普通預金", "みずほ銀行")
    assert (income.credit.account_title, income.credit.tax_class, income.credit.tax_amount) == \
        ("売上高", "sales_10", 10000)
    assert income.debit.tax_class == "out_of_scope" and income.debit.tax_amount is None
    assert income.settlement_account == "みずほ銀行"
    expense = je[journal_export.entry_code(elec.id)]
    assert (expense.debit.account_title, expense.debit.tax_amount, expense.debit.department) == \
        ("水道光熱費", 300, "本社")
    assert (expense.counterparty, expense.memo, expense.tags, expense.description) == \
        ("東京電力", "5月分", ("固定費",), "ﾃﾞﾝｷ")
    transfer = je[journal_export.entry_code(move.id)]
    assert transfer.kind == EntryKind.TRANSFER
    assert (transfer.debit.sub_account, transfer.credit.sub_account) == ("三菱UFJ銀行", "みずほ銀行")
    assert transfer.debit.tax_amount is None and transfer.credit.tax_amount is None
    record = done.export
    assert (record.format_key, record.entry_count, record.account_ids) == ("freee", 3, "")
    items = journal_export.export_entries(s, office_id, record.id)
    assert [i.entry_id for i in items] == [sale.id, elec.id, move.id]
    assert all(len(i.content_hash) == 64 and i.version == 1 for i in items)
    # Accounts: an entry goes with any account it touches.
    only_b = journal_export.preview_journal(s, office_id, period_from=date(2024, 5, 1),
                                            period_to=date(2024, 5, 31), account_ids=[b.id])
    assert [e.entry_id for e in only_b] == [journal_export.entry_code(move.id)]
    assert journal_export.preview_journal(s, office_id, period_from=date(2024, 5, 2),
                                          period_to=date(2024, 5, 2))[0].entry_id == \
        journal_export.entry_code(elec.id)
    with pytest.raises(BooksError):
        journal_export.export_journal(s, office_id, format_key="", period_from=date(2024, 5, 1),
                                      period_to=date(2024, 5, 31))
    with pytest.raises(BooksError):
        journal_export.preview_journal(s, office_id, period_from=date(2024, 6, 1), period_to=date(2024, 5, 1))


def test_only_new_and_changed_after_export(s):
    office_id, (a, _) = setup(s)
    ids = rows(s, a, [(d, -1000 * d, f"店{d}", None) for d in range(1, 6)])
    misc, fee = title(s, office_id, "雑費"), title(s, office_id, "支払手数料")
    entries = [booking.confirm(s, office_id, i, Suggestion(title_id=misc)) for i in ids[:3]]
    period = {"period_from": date(2024, 5, 1), "period_to": date(2024, 5, 31)}
    first = journal_export.export_journal(s, office_id, format_key="yayoi", **period)
    assert len(first.entries) == 3
    nothing = journal_export.export_journal(s, office_id, format_key="yayoi", only_new=True, **period)
    assert nothing.entries == []
    later = booking.confirm(s, office_id, ids[3], Suggestion(title_id=misc))
    new = journal_export.export_journal(s, office_id, format_key="yayoi", only_new=True, **period)
    assert [e.entry_id for e in new.entries] == [journal_export.entry_code(later.id)]
    assert journal_export.changed_after_export(s, office_id) == []
    # Edited, undone, flagged after going out: each reported with what changed.
    booking.edit_entry(s, office_id, entries[0].id, Suggestion(title_id=fee))
    booking.undo(s, office_id, entries[1].id)
    s.get(Statement, ids[2]).amount = -1  # the bank corrected it
    from portal.services.books import guard
    guard.statements_changed(s, office_id, [ids[2]])
    s.commit()
    changed = {c.entry_id: c for c in journal_export.changed_after_export(s, office_id)}
    assert {k: v.change for k, v in changed.items()} == {
        entries[0].id: ExportChange.EDITED, entries[1].id: ExportChange.UNDONE,
        entries[2].id: ExportChange.FLAGGED}
    assert changed[entries[0].id].exported_version == 1 and changed[entries[0].id].current_version == 2
    assert changed[entries[1].id].current_version is None
    # A flagged entry is not exported; re-exporting an edited one records its new content.
    again = journal_export.export_journal(s, office_id, format_key="yayoi", **period)
    assert [e.entry_id for e in again.entries] == [journal_export.entry_code(x)
                                                   for x in (entries[0].id, later.id)]
    assert set(c.entry_id for c in journal_export.changed_after_export(s, office_id)) == \
        {entries[1].id, entries[2].id}
    listed = journal_export.list_exports(s, office_id)
    assert [x.entry_count for x in listed] == [2, 1, 0, 3]  # newest first, the empty one too
    assert listed[0].id == again.export.id and listed[-1].id == first.export.id
    other, _ = setup(s)
    assert journal_export.list_exports(s, other) == []
    assert journal_export.changed_after_export(s, other) == []
    with pytest.raises(NotFound):
        journal_export.export_entries(s, other, first.export.id)
    assert journal_export.preview_journal(s, other, **period) == []


def test_reconcile_finds_months_that_do_not_add_up(s):
    office_id, (a, _) = setup(s)
    ids = rows(s, a, [
        (date(2024, 4, 1), 1000, "入金", 11000), (date(2024, 4, 20), -500, "支払", 10500),
        (date(2024, 5, 3), -200, "支払", 10300), (date(2024, 5, 9), 700, "入金", 11000),
        (date(2024, 6, 1), -1000, "支払", 10000)])
    misc, sales = title(s, office_id, "雑費"), title(s, office_id, "売上高")
    booking.confirm(s, office_id, ids[0], Suggestion(title_id=sales))
    booking.confirm(s, office_id, ids[1], Suggestion(title_id=misc))
    booking.confirm(s, office_id, ids[2], Suggestion(title_id=misc))
    months = {m.month: m for m in reconcile.reconcile_account(s, office_id, a.id)}
    april, may, june = months[date(2024, 4, 1)], months[date(2024, 5, 1)], months[date(2024, 6, 1)]
    assert (april.closing, april.booked_balance, april.difference, april.unbooked) == (10500, 10500, 0, 0)
    assert april.reconciled
    assert (may.closing, may.booked_balance, may.difference, may.unbooked) == (11000, 10300, 700, 1)
    assert (june.closing, june.difference, june.unbooked) == (10000, -300, 1)
    listed = reconcile.unreconciled_months(s, office_id)
    assert [(acc, m.month) for acc, m in listed] == [(a.id, date(2024, 5, 1)), (a.id, date(2024, 6, 1))]
    booking.confirm(s, office_id, ids[3], Suggestion(title_id=sales))
    booking.confirm(s, office_id, ids[4], Suggestion(title_id=misc))
    assert reconcile.unreconciled_months(s, office_id) == []
    other, _ = setup(s)
    with pytest.raises(NotFound):
        reconcile.reconcile_account(s, other, a.id)
    assert reconcile.unreconciled_months(s, other) == []


def test_reconcile_with_an_opening_balance_and_manual_rows(s):
    office_id, (a,) = setup(s, banks=("0005",))
    a.sync_method, a.opening_balance, a.opening_balance_date = "manual", 5000, date(2024, 5, 1)
    s.add(a)
    s.commit()
    manual_entries.add(s, a, manual_entries.Entry(date(2024, 5, 2), "現金引出", -1000, None))
    manual_entries.add(s, a, manual_entries.Entry(date(2024, 5, 5), "売上", 3000, None))
    first, second = s.exec(select(Statement.id).where(Statement.account_id == a.id)
                           .order_by(Statement.id)).all()
    booking.confirm(s, office_id, first, Suggestion(title_id=title(s, office_id, "現金")))
    (may,) = reconcile.reconcile_account(s, office_id, a.id)
    assert (may.closing, may.booked_balance, may.difference, may.statements, may.unbooked) == \
        (7000, 4000, 3000, 2, 1)
    booking.skip(s, office_id, second)
    (may,) = reconcile.reconcile_account(s, office_id, a.id)
    assert may.unbooked == 0 and may.difference == 3000  # skipped is not booked
