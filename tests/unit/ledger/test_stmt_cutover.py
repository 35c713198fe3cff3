import random
from datetime import date

from portal.ledger.cutover_match import (
    IncomingRow,
    LedgerRow,
    match_cutover,
    overlap_check,
)

D = date(2024, 4, 10)


def day(n: int) -> date:
    return date(2024, 4, n)


def test_exact_match_links():
    existing = [LedgerRow(1, D, -1080, "ＪＣＢ）セブンカ－ド")]
    incoming = [IncomingRow("a", D, -1080, "ＪＣＢ）セブンカ－ド")]
    result = match_cutover(existing, incoming)
    assert result.links == [(1, "a")]
    assert result.new == [] and result.ambiguous == []
    assert result.link_levels == {"a": 3}


def test_truncated_text_links_at_score_2():
    existing = [LedgerRow(1, day(11), 50000, "フリコミ ヤマダ")]
    incoming = [IncomingRow("a", D, 50000, "フリコミ ヤマダ タロウ サマ")]
    result = match_cutover(existing, incoming)
    assert result.links == [(1, "a")]
    assert result.link_levels == {"a": 2}


def test_half_and_full_width_text_links():
    existing = [LedgerRow(1, D, -2214, "ﾏｽﾀｰｶｰﾄﾞﾆｭｳｶｲﾃﾞ50ｴﾝ")]
    incoming = [IncomingRow("a", D, -2214, "マスタ－カ－ドニュウカイデ５０エン")]
    assert match_cutover(existing, incoming).links == [(1, "a")]


def test_same_day_same_amount_told_apart_by_balance():
    existing = [
        LedgerRow(1, D, -1000, "ATM", balance_after=9000),
        LedgerRow(2, D, -1000, "ATM", balance_after=8000),
    ]
    incoming = [
        IncomingRow("b", D, -1000, "ＡＴＭ", balance_after=8000),
        IncomingRow("a", D, -1000, "ＡＴＭ", balance_after=9000),
    ]
    result = match_cutover(existing, incoming)
    assert result.links == [(2, "b"), (1, "a")]
    assert set(result.link_levels.values()) == {"balance"}
    assert result.ambiguous == []


def test_same_day_twins_without_balance_are_held_for_review():
    existing = [LedgerRow(1, D, -1000, "ATM"), LedgerRow(2, D, -1000, "ATM")]
    incoming = [IncomingRow("a", D, -1000, "ATM"), IncomingRow("b", D, -1000, "ATM")]
    result = match_cutover(existing, incoming)
    assert result.links == [] and result.new == []
    assert [(a.incoming_key, a.candidate_ids) for a in result.ambiguous] == [
        ("a", [1, 2]),
        ("b", [1, 2]),
    ]
    assert all(len(a.reasons) == 2 for a in result.ambiguous)
    assert "摘要一致" in result.ambiguous[0].reasons[0]


def test_two_candidates_at_the_same_level_stay_ambiguous():
    existing = [
        LedgerRow(1, D, 3000, "フリコミ ヤマダ タロウ"),
        LedgerRow(2, day(11), 3000, "フリコミ ヤマダ ハナコ"),
    ]
    incoming = [IncomingRow("a", D, 3000, "フリコミ ヤマダ")]  # prefix of both
    result = match_cutover(existing, incoming)
    assert result.links == []
    assert result.ambiguous[0].candidate_ids == [1, 2]


def test_better_level_wins_over_weaker_candidates():
    existing = [
        LedgerRow(1, D, 3000, "フリコミ ヤマダ タロウ"),
        LedgerRow(2, D, 3000, "フリコミ ヤマダ"),
    ]
    incoming = [IncomingRow("a", D, 3000, "フリコミ ヤマダ タロウ")]
    assert match_cutover(existing, incoming).links == [(1, "a")]


def test_score_zero_is_never_linked():
    existing = [LedgerRow(1, D, -500, "ｺﾝﾋﾞﾆ")]
    incoming = [IncomingRow("a", D, -500, "デンキダイ")]
    result = match_cutover(existing, incoming)
    assert result.links == []
    assert result.ambiguous[0].candidate_ids == [1]
    assert "摘要不一致" in result.ambiguous[0].reasons[0]
    # Not even with an equal balance.
    existing = [LedgerRow(1, D, -500, "ｺﾝﾋﾞﾆ", balance_after=100)]
    incoming = [IncomingRow("a", D, -500, "デンキダイ", balance_after=100)]
    result = match_cutover(existing, incoming)
    assert result.links == [] and "残高一致" in result.ambiguous[0].reasons[0]


def test_conflicting_balance_blocks_text_link():
    existing = [LedgerRow(1, D, -500, "ATM", balance_after=100)]
    incoming = [IncomingRow("a", D, -500, "ATM", balance_after=900)]
    result = match_cutover(existing, incoming)
    assert result.links == []
    assert "残高不一致" in result.ambiguous[0].reasons[0]


def test_date_window_and_value_date():
    # Incoming rows start on day 1, so existing row 1 is inside the overlap.
    start = IncomingRow("s", day(1), 1, "start")
    existing = [LedgerRow(1, day(5), 700, "リソク", value_date=day(1)),
                LedgerRow(2, day(20), 1, "x")]
    near = [start, IncomingRow("a", day(8), 700, "リソク")]
    assert match_cutover(existing, near).links == [(1, "a")]
    far = [start, IncomingRow("a", day(9), 700, "リソク")]
    assert match_cutover(existing, far).new == ["s", "a"]
    by_value_date = [start, IncomingRow("a", day(12), 700, "リソク", value_date=day(1))]
    assert match_cutover(existing, by_value_date).links == [(1, "a")]


def test_rows_outside_the_overlap_are_new():
    existing = [LedgerRow(1, day(1), 100, "A1234"), LedgerRow(2, day(5), 200, "B1234")]
    incoming = [
        IncomingRow("x", day(5), 200, "B1234"),
        IncomingRow("y", day(6), 100, "A1234"),  # after the last CSV date
    ]
    result = match_cutover(existing, incoming)
    assert result.links == [(2, "x")]
    assert result.new == ["y"]


def test_existing_before_first_incoming_and_linked_rows_are_not_candidates():
    existing = [
        LedgerRow(1, day(4), 100, "ABCD"),  # before the first API date
        LedgerRow(2, day(6), 100, "ABCD", linked=True),
        LedgerRow(3, day(9), 1, "z"),
    ]
    incoming = [IncomingRow("a", day(5), 100, "ABCD")]
    assert match_cutover(existing, incoming).new == ["a"]


def test_claimed_rows_leave_extra_incoming_as_new():
    existing = [LedgerRow(1, D, -1000, "ATM", balance_after=9000)]
    incoming = [
        IncomingRow("a", D, -1000, "ATM", balance_after=9000),
        IncomingRow("b", D, -1000, "ATM"),
    ]
    result = match_cutover(existing, incoming)
    assert result.links == [(1, "a")]
    assert result.new == ["b"]


def test_empty_sides():
    assert match_cutover([], [IncomingRow("a", D, 1, "x")]).new == ["a"]
    assert match_cutover([LedgerRow(1, D, 1, "x")], []).links == []


def test_overlap_check_reports_days_that_disagree():
    existing = [LedgerRow(1, day(1), 100, "a"), LedgerRow(2, day(2), -50, "b"),
                LedgerRow(3, day(3), 10, "c")]
    incoming = [IncomingRow("a", day(1), 100, "a"), IncomingRow("b", day(2), -50, "b"),
                IncomingRow("b2", day(2), -50, "b"), IncomingRow("c", day(3), 11, "c"),
                IncomingRow("d", day(4), 5, "d")]
    mismatches = overlap_check(existing, incoming)
    assert [(m.day, m.existing_count, m.incoming_count, m.existing_sum, m.incoming_sum)
            for m in mismatches] == [(day(2), 1, 2, -50, -100), (day(3), 1, 1, 10, 11)]


def _row_by_row(existing, incoming):
    """The check as it was written first, row by row: the reference."""
    if not existing or not incoming:
        return []
    lo = min(i.transaction_date for i in incoming)
    hi = max(e.transaction_date for e in existing)
    totals: dict = {}
    for side, rows in ((0, existing), (1, incoming)):
        for r in rows:
            if lo <= r.transaction_date <= hi:
                t = totals.setdefault(r.transaction_date, [0, 0, 0, 0])
                t[side] += 1
                t[2 + side] += r.amount
    return [(d, *t) for d, t in sorted(totals.items()) if t[0] != t[1] or t[2] != t[3]]


def test_the_check_from_day_totals_equals_the_row_by_row_check():
    rnd = random.Random(5)
    for _ in range(300):
        existing = [LedgerRow(i, day(rnd.randint(1, 20)), rnd.choice([-5, 3, 8]), "x")
                    for i in range(rnd.randint(0, 12))]
        incoming = [IncomingRow(str(i), day(rnd.randint(1, 25)), rnd.choice([-5, 3, 8]), "x")
                    for i in range(rnd.randint(0, 12))]
        assert [(m.day, m.existing_count, m.incoming_count, m.existing_sum, m.incoming_sum)
                for m in overlap_check(existing, incoming)] == _row_by_row(existing, incoming)
