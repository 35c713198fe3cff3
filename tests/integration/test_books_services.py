"""Bookkeeping services on SQLite and PostgreSQL: masters, rules (order, preview, drafts), the
inbox with its suggestions, booking, skipping, undoing, 口座振替 and office isolation."""
from datetime import date

import pytest
from sqlalchemy import event
from sqlmodel import select

from portal.bookkeeping.entry import EntryKind
from portal.bookkeeping.rules import RuleError
from portal.models import (
    Account,
    BookAccountMap,
    BookCounterparty,
    BookDepartment,
    BookEntry,
    BookLine,
    BookSubAccount,
    BookTag,
    BookTaxClass,
    BookTitle,
    Office,
    Statement,
)
from portal.models.vocabulary import (
    BookingState,
    BusinessForm,
    Direction,
    RuleMatch,
    StatementSource,
    SuggestionSource,
    TitleKind,
)
from portal.services.books import booking, inbox, masters, rules
from portal.services.books.common import BooksError, NotFound
from portal.services.books.inbox import Suggestion
from portal.services.books.rules import RuleDraft
from portal.services.statements import upsert_statements


def office(s, form=BusinessForm.CORPORATION, banks=("0001", "0005"), start=True):
    o = Office(name="事務所")
    s.add(o)
    s.flush()
    accounts = [Account(office_id=o.id, name=f"口座{i}", bank_code=code, kind="personal",
                        sync_method="manual") for i, code in enumerate(banks)]
    s.add_all(accounts)
    s.commit()
    if start:
        masters.start_books(s, o.id, form)
    return o.id, [a.id for a in accounts]


_n = iter(range(1, 10**9))


def add(s, account_id, day, amount, description, month=5):
    account = s.get(Account, account_id)
    key = f"api:{next(_n)}"
    upsert_statements(s, account, [{"transaction_date": date(2024, month, day), "amount": amount,
                                    "description": description, "source": StatementSource.API,
                                    "dedupe_key": key}])
    s.commit()
    return s.exec(select(Statement.id).where(Statement.account_id == account_id,
                                             Statement.dedupe_key == key)).one()


def title(s, office_id, name):
    return s.exec(select(BookTitle).where(BookTitle.office_id == office_id, BookTitle.name == name)).one()


def test_start_books_sets_defaults_and_maps_each_bank_account(s):
    office_id, (mizuho, mufg) = office(s, BusinessForm.SOLE_PROPRIETOR)
    names = [t.name for t in masters.list_masters(s, office_id, BookTitle)]
    assert "事業主貸" in names and "役員借入金" not in names
    assert names.index("普通預金") < names.index("売上高") < names.index("雑費")
    assert len(masters.list_masters(s, office_id, BookTaxClass)) == 8
    maps = masters.ensure_account_maps(s, office_id)
    deposit = title(s, office_id, "普通預金")
    assert {m.title_id for m in maps.values()} == {deposit.id}
    subs = {a: s.get(BookSubAccount, m.sub_account_id).name for a, m in maps.items()}
    assert subs == {mizuho: "みずほ銀行", mufg: "三菱UFJ銀行"}
    # Once set up, starting again changes nothing; an account added later gets its mapping.
    assert masters.start_books(s, office_id, BusinessForm.CORPORATION).business_form == \
        BusinessForm.SOLE_PROPRIETOR
    later = Account(office_id=office_id, name="後から", bank_code="0001", kind="personal",
                    sync_method="manual")
    s.add(later)
    s.commit()
    maps = masters.ensure_account_maps(s, office_id)
    # A second account at the same bank gets a 補助科目 of its own, so a transfer between
    # the two debits and credits two accounts, not one.
    assert s.get(BookSubAccount, maps[later.id].sub_account_id).name == "みずほ銀行 後から"
    assert maps[later.id].sub_account_id != maps[mizuho].sub_account_id


def test_masters_are_editable_and_checked(s):
    office_id, (acc, _) = office(s)
    t = masters.add_title(s, office_id, "  研修費 ", TitleKind.EXPENSE, "purchase_10")
    assert t.name == "研修費" and t.position > title(s, office_id, "雑費").position
    with pytest.raises(BooksError) as caught:
        masters.add_title(s, office_id, "研修費", TitleKind.EXPENSE)
    assert caught.value.code == "duplicate_name"
    with pytest.raises(BooksError):
        masters.add_title(s, office_id, "x", TitleKind.EXPENSE, "no_such_tax")
    masters.update_title(s, office_id, t.id, name="教育研修費", tax_class_key="", active=False)
    assert (t.name, t.tax_class_key, t.active) == ("教育研修費", None, False)
    assert t.id not in {x.id for x in masters.list_masters(s, office_id, BookTitle, active_only=True)}
    sub = masters.add_named(s, office_id, BookSubAccount, "研修A", title_id=t.id)
    cp = masters.add_named(s, office_id, BookCounterparty, "東京電力")
    masters.update_named(s, office_id, BookCounterparty, cp.id, name="東京電力EP", active=False)
    assert cp.name == "東京電力EP" and not cp.active
    tax = masters.update_tax_class(s, office_id, "purchase_10", name="課税仕入10%", active=False)
    assert tax.key == "purchase_10" and not tax.active
    sales = title(s, office_id, "売上高")
    with pytest.raises(BooksError) as caught:
        masters.set_account_map(s, office_id, acc, sales.id, sub.id)  # another title's sub
    assert caught.value.code == "sub_account_mismatch"
    cash = title(s, office_id, "当座預金")
    assert masters.set_account_map(s, office_id, acc, cash.id, None).title_id == cash.id


def test_rules_keep_an_order_and_can_move(s):
    office_id, _ = office(s)
    fee = title(s, office_id, "支払手数料").id
    made = [rules.create_rule(s, office_id, RuleDraft(RuleMatch.CONTAINS, p, title_id=fee))
            for p in ("ア", "イ", "ウ", "エ")]

    def order():
        return [r.pattern for r in rules.list_rules(s, office_id)]

    assert order() == ["ア", "イ", "ウ", "エ"]
    rules.move_rule(s, office_id, made[2].id, -1)
    assert order() == ["ア", "ウ", "イ", "エ"]
    rules.set_rule_position(s, office_id, made[3].id, 1)
    assert order() == ["エ", "ア", "ウ", "イ"]
    rules.set_rule_position(s, office_id, made[3].id, 99)
    assert order() == ["ア", "ウ", "イ", "エ"]
    rules.move_rule(s, office_id, made[0].id, -1)  # already first: stays
    assert [r.position for r in rules.list_rules(s, office_id)] == [1, 2, 3, 4]
    rules.delete_rule(s, office_id, made[1].id)
    assert order() == ["ア", "ウ", "エ"]
    assert [r.position for r in rules.list_rules(s, office_id)] == [1, 2, 3]
    first = rules.create_rule(s, office_id, RuleDraft(RuleMatch.EQUALS, "オ", title_id=fee), position=1)
    assert order()[0] == "オ" and first.position == 1
    with pytest.raises(RuleError):
        rules.create_rule(s, office_id, RuleDraft(RuleMatch.REGEX, "(", title_id=fee))
    with pytest.raises(BooksError) as caught:
        rules.create_rule(s, office_id, RuleDraft(RuleMatch.CONTAINS, "カ"))
    assert caught.value.code == "no_title"
    skip = rules.create_rule(s, office_id, RuleDraft(RuleMatch.CONTAINS, "私用", skip=True, title_id=fee))
    assert skip.skip and skip.title_id is None


def test_preview_counts_what_an_unsaved_rule_would_match(s):
    office_id, (a, b) = office(s)
    add(s, a, 1, -1100, "ﾃﾞﾝｷ ﾘｮｳｷﾝ")
    add(s, a, 2, -2200, "東京デンキ料金")
    add(s, b, 3, -5000, "デンキ")
    add(s, a, 4, 3000, "デンキ 返金")
    add(s, a, 5, -100, "ガス_50%")
    add(s, a, 6, -100, "ガスX50")

    def count(**kw):
        return rules.preview_count(s, office_id, RuleDraft(**{"title_id": None, **kw}))

    assert count(match=RuleMatch.CONTAINS, pattern="デンキ") == 4
    assert count(match=RuleMatch.CONTAINS, pattern="ﾃﾞﾝｷ", direction=Direction.OUT) == 3
    assert count(match=RuleMatch.CONTAINS, pattern="でんき") == 0  # hiragana is not katakana
    assert count(match=RuleMatch.CONTAINS, pattern="デンキ", amount_min=2000, amount_max=5000) == 3
    assert count(match=RuleMatch.CONTAINS, pattern="デンキ", account_id=b) == 1
    assert count(match=RuleMatch.EQUALS, pattern="ﾃﾞﾝｷ") == 1
    assert count(match=RuleMatch.STARTS_WITH, pattern="デンキ") == 3
    assert count(match=RuleMatch.REGEX, pattern=r"^(東京)?デンキ") == 4
    assert count(match=RuleMatch.REGEX, pattern=r"(料金|リヨウキン)$") == 2
    assert count(match=RuleMatch.CONTAINS, pattern="_50%") == 1  # LIKE's wildcards are literal
    with pytest.raises(RuleError):
        count(match=RuleMatch.REGEX, pattern="[")
    other, _ = office(s)
    assert rules.preview_count(s, other, RuleDraft(RuleMatch.CONTAINS, "デンキ")) == 0


def test_a_preview_count_reads_the_norm_index_alone(s):
    """Text, direction and amount all come from ix_statement_office_norm: no statement row is
    read, however many the office has (0016 put the id before the amount in it)."""
    office_id, (a, _) = office(s)
    for day in range(1, 6):
        add(s, a, day, -440 * day, "振込手数料")
    seen = []

    def grab(_conn, _cursor, statement, parameters, _context, _many):
        if "count(" in statement.lower():
            seen.append((statement, parameters))

    engine = s.get_bind()
    event.listen(engine, "before_cursor_execute", grab)
    try:
        draft = RuleDraft(RuleMatch.EQUALS, "振込手数料", direction=Direction.OUT, amount_min=800,
                          title_id=None)
        assert rules.preview_count(s, office_id, draft) == 4
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    ((sql, params),) = seen
    conn = s.connection()
    if engine.dialect.name == "sqlite":
        plan = " ".join(str(r) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
        assert "COVERING INDEX ix_statement_office_norm" in plan, plan
    else:  # a table this small would be read whole: ask for the plan an index allows
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        plan = " ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql, params))
        assert "Index Only Scan using ix_statement_office_norm" in plan, plan
    s.rollback()


def test_the_inbox_suggests_from_rules_then_from_learning(s):
    office_id, (a, _) = office(s)
    utilities, fee = title(s, office_id, "水道光熱費"), title(s, office_id, "支払手数料")
    tag = masters.add_named(s, office_id, BookTag, "固定費")
    rule = rules.create_rule(s, office_id, RuleDraft(RuleMatch.CONTAINS, "ﾃﾞﾝｷ", direction=Direction.OUT,
                                                     title_id=utilities.id, memo="電気代",
                                                     tag_ids=(tag.id,)))
    rules.create_rule(s, office_id, RuleDraft(RuleMatch.STARTS_WITH, "私用", skip=True))
    old = add(s, a, 1, -440, "振込手数料")
    booking.confirm(s, office_id, old, Suggestion(title_id=fee.id, tax_class_key="purchase_10"))
    elec = add(s, a, 2, -3300, "東京デンキ")
    again = add(s, a, 3, -440, "振込　手数料")  # the same once normalised
    refund = add(s, a, 4, 440, "振込手数料")  # the other direction: nothing learned
    private = add(s, a, 5, -999, "私用 コンビニ")
    nothing = add(s, a, 6, -1, "不明")
    page = inbox.inbox_page(s, office_id)
    got = {i.statement.id: i.suggestion for i in page.items}
    assert [i.statement.id for i in page.items] == [nothing, private, refund, again, elec]
    assert got[elec].source == SuggestionSource.RULE and got[elec].rule_id == rule.id
    assert (got[elec].title_id, got[elec].memo, got[elec].tag_ids) == (utilities.id, "電気代", (tag.id,))
    assert got[again].source == SuggestionSource.LEARNED
    assert (got[again].title_id, got[again].tax_class_key) == (fee.id, "purchase_10")
    assert got[refund] is None and got[nothing] is None
    assert got[private].skip
    draft = rules.draft_from_statement(s, office_id, again)
    assert draft.match == RuleMatch.EQUALS and draft.direction == Direction.OUT
    assert draft.pattern == "振込　手数料" and draft.title_id == fee.id
    assert rules.preview_count(s, office_id, draft) == 2
    # The latest booking of a description wins.
    booking.confirm(s, office_id, again, Suggestion(title_id=utilities.id))
    more = add(s, a, 7, -440, "振込手数料")
    assert inbox.suggestions_for(s, office_id, [s.get(Statement, more)])[more].title_id == utilities.id


def test_confirm_skip_and_undo(s):
    office_id, (a, _) = office(s)
    sales, deposit = title(s, office_id, "売上高"), title(s, office_id, "普通預金")
    income = add(s, a, 1, 110000, "ｶ)ﾔﾏﾀﾞｼｮｳｼﾞ")
    entry = booking.confirm(s, office_id, income, Suggestion(title_id=sales.id), user_id=None)
    assert (entry.kind, entry.amount, entry.state) == (EntryKind.INCOME, 110000, BookingState.BOOKED)
    assert (entry.debit_title_id, entry.credit_title_id) == (deposit.id, sales.id)
    assert entry.tax_class_key == "sales_10"  # the title's default
    with pytest.raises(BooksError) as caught:
        booking.confirm(s, office_id, income, Suggestion(title_id=sales.id))
    assert caught.value.code == "already_booked"
    pay = add(s, a, 2, -5000, "ATM")
    with pytest.raises(BooksError) as caught:
        booking.confirm(s, office_id, pay)  # nothing suggested, nothing given
    assert caught.value.code == "no_title"
    skipped = booking.skip(s, office_id, pay, "私用")
    assert skipped.state == BookingState.SKIPPED and skipped.skip_reason == "私用"
    assert inbox.inbox_page(s, office_id).items == []
    assert inbox.unbooked_count(s, office_id) == 0
    assert booking.undo(s, office_id, skipped.id) == [pay]
    assert booking.undo(s, office_id, entry.id) == [income]
    assert [i.statement.id for i in inbox.inbox_page(s, office_id).items] == [pay, income]
    assert s.exec(select(BookLine)).all() == []
    # A switched-off tax class or another title's sub-account is refused.
    masters.update_tax_class(s, office_id, "sales_10", active=False)
    with pytest.raises(BooksError) as caught:
        booking.confirm(s, office_id, income, Suggestion(title_id=sales.id))
    assert caught.value.code == "unknown_tax_class"


def test_confirm_many_books_what_has_a_suggestion_and_leaves_the_rest(s):
    office_id, (a, b) = office(s)
    fee = title(s, office_id, "支払手数料")
    rules.create_rule(s, office_id, RuleDraft(RuleMatch.CONTAINS, "手数料", title_id=fee.id))
    rules.create_rule(s, office_id, RuleDraft(RuleMatch.CONTAINS, "私用", skip=True))
    ids = [add(s, a, 1, -440, "手数料"), add(s, a, 2, -100, "私用"), add(s, a, 3, -7, "不明"),
           add(s, a, 4, -30000, "振替"), add(s, b, 5, 30000, "振替")]
    result = booking.confirm_many(s, office_id, ids)
    assert result.left == [ids[2]]
    states = [(e.state, e.kind) for e in result.entries]
    assert states == [(BookingState.BOOKED, EntryKind.EXPENSE), (BookingState.SKIPPED, None),
                      (BookingState.BOOKED, EntryKind.TRANSFER)]
    again = booking.confirm_many(s, office_id, ids)
    assert again.entries == [] and sorted(again.left) == sorted(ids)


def test_a_transfer_is_one_entry_for_two_statements(s):
    office_id, (a, b) = office(s)
    paid = add(s, a, 10, -50000, "ﾌﾘｶｴ")
    got = add(s, b, 12, 50000, "ﾌﾘｶｴ")
    far = add(s, b, 20, 50000, "ﾌﾘｶｴ")
    page = inbox.inbox_page(s, office_id)
    items = {i.statement.id: i for i in page.items}
    assert len(page.items) == 2  # the pair is one item, the far arrival its own
    assert items[far].transfer is None
    pair = items[got] if got in items else items[paid]
    assert {pair.statement.id, pair.transfer.id} == {paid, got}
    assert pair.suggestion.source == SuggestionSource.TRANSFER
    entry = booking.confirm_transfer(s, office_id, got, paid)
    maps = masters.ensure_account_maps(s, office_id)
    assert entry.kind == EntryKind.TRANSFER and entry.amount == 50000
    assert (entry.debit_sub_id, entry.credit_sub_id) == (maps[b].sub_account_id, maps[a].sub_account_id)
    assert entry.entry_date == date(2024, 5, 10)
    assert len(booking.lines_of(s, office_id, [entry.id])) == 2
    assert [i.statement.id for i in inbox.inbox_page(s, office_id).items] == [far]
    with pytest.raises(BooksError) as caught:
        booking.confirm_transfer(s, office_id, far, add(s, b, 21, -50000, "x"))  # same account
    assert caught.value.code == "not_a_transfer"
    assert sorted(booking.undo(s, office_id, entry.id)) == sorted([paid, got])


def test_inbox_pages_newest_first_and_filters_by_account(s):
    office_id, (a, b) = office(s)
    ids = [add(s, a if i % 2 else b, 1 + i % 28, -(100 + i), f"店{i}") for i in range(30)]
    booking.skip(s, office_id, ids[5])
    seen, cursor = [], None
    while True:
        page = inbox.inbox_page(s, office_id, cursor=cursor, limit=7)
        seen += [i.statement for i in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    keys = [(x.transaction_date, x.id) for x in seen]
    assert keys == sorted(keys, reverse=True) and len(keys) == 29
    only_a = inbox.inbox_page(s, office_id, account_id=a, limit=100).items
    assert {i.statement.account_id for i in only_a} == {a} and len(only_a) == 14  # one skipped
    assert inbox.parse_cursor(f"{seen[3].transaction_date.isoformat()}_{seen[3].id}") == keys[3]
    assert inbox.parse_cursor("nonsense") is None


def test_office_b_never_sees_or_changes_office_a(s):
    a_office, (a1, _) = office(s)
    b_office, (b1, _) = office(s)
    fee_a = title(s, a_office, "支払手数料")
    rule_a = rules.create_rule(s, a_office, RuleDraft(RuleMatch.CONTAINS, "手数料", title_id=fee_a.id))
    st = add(s, a1, 1, -440, "手数料")
    entry = booking.confirm(s, a_office, st)
    add(s, b1, 1, -440, "手数料")
    assert [i.suggestion for i in inbox.inbox_page(s, b_office).items] == [None]
    assert all(i.statement.account_id == b1 for i in inbox.inbox_page(s, b_office).items)
    for call in (lambda: booking.undo(s, b_office, entry.id),
                 lambda: booking.edit_entry(s, b_office, entry.id, Suggestion(title_id=fee_a.id)),
                 lambda: booking.confirm(s, b_office, st, Suggestion(title_id=title(s, b_office, "雑費").id)),
                 lambda: booking.skip(s, b_office, st),
                 lambda: rules.delete_rule(s, b_office, rule_a.id),
                 lambda: rules.move_rule(s, b_office, rule_a.id, 1),
                 lambda: rules.draft_from_statement(s, b_office, st),
                 lambda: masters.update_title(s, b_office, fee_a.id, name="x"),
                 lambda: masters.set_account_map(s, b_office, a1, title(s, b_office, "普通預金").id, None)):
        with pytest.raises(NotFound):
            call()
    # Office B may not book with office A's masters either.
    b_st = inbox.inbox_page(s, b_office).items[0].statement.id
    with pytest.raises(NotFound):
        booking.confirm(s, b_office, b_st, Suggestion(title_id=fee_a.id))
    assert rules.list_rules(s, b_office) == []
    assert booking.list_entries(s, b_office) == []
    assert s.get(BookEntry, entry.id).state == BookingState.BOOKED
    assert len(s.exec(select(BookAccountMap).where(BookAccountMap.office_id == b_office)).all()) == 2


def test_nothing_is_booked_before_the_office_starts_its_books(s):
    office_id, (a, _) = office(s, start=False)
    st = add(s, a, 1, -1, "x")
    with pytest.raises(masters.NotStarted):
        booking.skip(s, office_id, st)


def test_confirm_many_takes_the_users_edits_over_suggestions(s):
    office_id, (a, b) = office(s)
    fee, misc = title(s, office_id, "支払手数料"), title(s, office_id, "雑費")
    rules.create_rule(s, office_id, RuleDraft(RuleMatch.CONTAINS, "手数料", title_id=fee.id))
    charged = add(s, a, 1, -440, "手数料")
    out = add(s, a, 2, -3000, "ﾌﾘｶｴ")
    back = add(s, b, 2, 3000, "ﾌﾘｶｴ")
    # The arrival is booked as the user says: its pair is no 口座振替 then, and is left.
    result = booking.confirm_many(s, office_id, [charged, out, back],
                                  edits={charged: Suggestion(title_id=misc.id),
                                         back: Suggestion(title_id=title(s, office_id, "売上高").id)})
    assert [(e.kind, e.debit_title_id if e.kind == EntryKind.EXPENSE else e.credit_title_id)
            for e in result.entries] == [(EntryKind.EXPENSE, misc.id),
                                         (EntryKind.INCOME, title(s, office_id, "売上高").id)]
    assert result.left == [out]


def test_editing_entries_and_what_is_learned_from_a_transfer(s):
    office_id, (a, b) = office(s)
    misc, fee = title(s, office_id, "雑費"), title(s, office_id, "支払手数料")
    dept = masters.add_named(s, office_id, BookDepartment, "本社")
    first = add(s, a, 1, -500, "ｶｰﾄﾞ")
    entry = booking.confirm(s, office_id, first, Suggestion(title_id=misc.id))
    edited = booking.edit_entry(s, office_id, entry.id, Suggestion(title_id=fee.id, department_id=dept.id,
                                                                   memo="変更"))
    assert (edited.debit_title_id, edited.department_id, edited.memo, edited.version) == \
        (fee.id, dept.id, "変更", 2)
    assert edited.tax_class_key == "purchase_10"
    paid, got = add(s, a, 3, -700, "ﾌﾘｶｴ"), add(s, b, 3, 700, "ﾌﾘｶｴ")
    move = booking.confirm_transfer(s, office_id, paid, got)
    kept = booking.edit_entry(s, office_id, move.id, Suggestion(title_id=fee.id, memo="振替"))
    assert (kept.debit_title_id, kept.credit_title_id, kept.memo) == (move.debit_title_id,
                                                                      move.credit_title_id, "振替")
    later = add(s, a, 9, -700, "ﾌﾘｶｴ")
    assert inbox.suggestions_for(s, office_id, [s.get(Statement, later)]) == {}
    skipped = booking.skip(s, office_id, later, "私用")
    with pytest.raises(BooksError) as caught:
        booking.edit_entry(s, office_id, skipped.id, Suggestion(title_id=fee.id))
    assert caught.value.code == "skipped"
    again = add(s, a, 10, -700, "ﾌﾘｶｴ")
    learned = inbox.suggestions_for(s, office_id, [s.get(Statement, again)])[again]
    assert learned.skip and learned.memo == "私用"


def test_the_inbox_count_stops_where_it_is_told(s):
    office_id, (a, b) = office(s)
    ids = [add(s, a, day, -100 * day, f"支払{day}") for day in range(1, 8)]
    add(s, b, 3, 500, "入金")
    booking.skip(s, office_id, ids[-1], "私用")  # the newest: booked rows are not counted
    assert inbox.unbooked_count(s, office_id) == 7
    assert inbox.unbooked_count(s, office_id, up_to=3) == 4  # "more than 3"
    assert inbox.unbooked_count(s, office_id, up_to=10) == 7
    assert inbox.unbooked_count(s, office_id, a, up_to=10) == 6


def test_a_statement_of_zero_yen_is_refused_by_name_and_left_by_book_all(s):
    office_id, (bank, _cash) = office(s)
    zero, fee = add(s, bank, 3, 0, "利息"), add(s, bank, 4, -110, "手数料")
    misc = Suggestion(title_id=title(s, office_id, "雑費").id)
    for act in (lambda: booking.skip(s, office_id, zero), lambda: booking.confirm(s, office_id, zero, misc)):
        with pytest.raises(BooksError) as refused:
            act()
        assert refused.value.code == "zero_amount"
    s.rollback()
    result = booking.confirm_many(s, office_id, [zero, fee], edits={
        zero: Suggestion(title_id=title(s, office_id, "雑費").id),
        fee: Suggestion(title_id=title(s, office_id, "支払手数料").id)})
    assert [line.statement_id for e in result.entries for line in s.exec(
        select(BookLine).where(BookLine.entry_id == e.id))] == [fee]
    assert zero in result.left
    assert zero not in [item.statement.id for item in inbox.inbox_page(s, office_id).items]
