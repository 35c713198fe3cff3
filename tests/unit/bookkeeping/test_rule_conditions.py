"""Rule conditions (bookkeeping.rules): texts compared after norm_description, regular
expressions checked when compiled, amounts bounded by their absolute value."""
import pytest

from portal.bookkeeping.rules import Conditions, RuleError, compile_rule, direction_of, first_match
from portal.ledger.normalize import norm_description
from portal.models.vocabulary import Direction, RuleMatch


def rule(match=RuleMatch.CONTAINS, pattern="デンキ", **kw):
    return compile_rule(Conditions(match, pattern, **kw))


def hit(compiled, description: str, amount: int = -1000, account_id: int | None = 1) -> bool:
    return compiled.matches(norm_description(description), amount, account_id)


@pytest.mark.parametrize("pattern", ["ﾃﾞﾝｷ", "デンキ", "デン キ", "（デンキ）"])
def test_half_width_and_full_width_kana_are_the_same(pattern):
    assert hit(rule(pattern=pattern), "ﾄｳｷｮｳﾃﾞﾝｷ ﾘｮｳｷﾝ")
    assert hit(rule(pattern=pattern), "東京デンキ料金")


def test_letters_are_compared_without_case_or_width():
    compiled = rule(pattern="ａｍａｚｏｎ")
    assert hit(compiled, "AMAZON.CO.JP")
    assert hit(compiled, "Amazon マーケットプレイス")
    assert not hit(compiled, "AMAZIN")


def test_equals_and_starts_with():
    equals = rule(RuleMatch.EQUALS, "振込 ﾔﾏﾀﾞ ﾀﾛｳ")
    assert hit(equals, "振込　ヤマダタロウ")
    assert not hit(equals, "振込　ヤマダタロウ様")
    starts = rule(RuleMatch.STARTS_WITH, "ｶｰﾄﾞ")
    assert hit(starts, "カード ｺﾝﾋﾞﾆ")
    assert not hit(starts, "ETCカード")


def test_small_kana_and_dashes_are_folded():
    assert hit(rule(pattern="ショウヒン"), "ｼﾖｳﾋﾝ")  # small ョ written large by some banks
    assert hit(rule(pattern="カード"), "カ-ド")


def test_regex_runs_on_the_normalised_text():
    compiled = rule(RuleMatch.REGEX, r"^ﾃﾞﾝｷ\d+$")
    assert hit(compiled, "デンキ 123")  # spaces are gone, half-width kana is full-width
    assert not hit(compiled, "デンキ 12a")
    assert hit(rule(RuleMatch.REGEX, "amazon|rakuten"), "ﾗｸﾃﾝ RAKUTEN ICHIBA")
    assert hit(rule(RuleMatch.REGEX, "[ア-ン]{3}電気"), "トウキョウ電気")
    assert hit(rule(RuleMatch.REGEX, r"ﾃﾞﾝｷ 1\d$"), "ﾃﾞﾝｷ 12")  # spaces go on both sides


@pytest.mark.parametrize("pattern", ["(", "[a-", "*x", "a{2,1}"])
def test_an_invalid_regex_is_a_typed_error_with_a_message(pattern):
    with pytest.raises(RuleError) as caught:
        rule(RuleMatch.REGEX, pattern)
    assert caught.value.code == "bad_regex"
    assert caught.value.msgid == "正規表現が正しくありません。"
    assert caught.value.detail  # the regex engine's words


@pytest.mark.parametrize("pattern", ["", "   ", "（）", "「」"])
def test_a_pattern_matching_everything_is_refused(pattern):
    with pytest.raises(RuleError) as caught:
        rule(pattern=pattern)
    assert caught.value.code == "empty_pattern"


def test_a_too_long_pattern_is_refused():
    with pytest.raises(RuleError) as caught:
        rule(pattern="ア" * 201)
    assert caught.value.code == "pattern_too_long"


def test_amount_ranges_bound_the_absolute_amount_inclusively():
    compiled = rule(amount_min=1000, amount_max=5000)
    assert hit(compiled, "デンキ", -1000)
    assert hit(compiled, "デンキ", 5000)
    assert not hit(compiled, "デンキ", -999)
    assert not hit(compiled, "デンキ", 5001)
    assert hit(rule(amount_min=1000), "デンキ", 10**9)
    assert not hit(rule(amount_max=0), "デンキ", -1)


@pytest.mark.parametrize("lo, hi", [(-1, None), (None, -5), (10, 9)])
def test_bad_amount_ranges_are_refused(lo, hi):
    with pytest.raises(RuleError) as caught:
        rule(amount_min=lo, amount_max=hi)
    assert caught.value.code == "bad_amounts"


def test_direction_and_account():
    out = rule(direction=Direction.OUT, account_id=7)
    assert hit(out, "デンキ", -100, 7)
    assert not hit(out, "デンキ", 100, 7)
    assert not hit(out, "デンキ", -100, 8)
    assert not hit(rule(direction=Direction.IN), "デンキ", 0)
    assert direction_of(5) == Direction.IN and direction_of(-5) == Direction.OUT
    assert direction_of(0) is None


def test_first_match_keeps_the_priority_order():
    rules = [("a", rule(pattern="デンキ", direction=Direction.IN)), ("b", rule(pattern="デン")),
             ("c", rule(pattern="デンキ"))]
    assert first_match(rules, norm_description("ﾃﾞﾝｷ"), -100) == "b"
    assert first_match(rules, norm_description("ﾃﾞﾝｷ"), 100) == "a"
    assert first_match(rules, norm_description("ｶﾞｽ"), -100) is None


def test_special_characters_are_literal_outside_regex():
    assert hit(rule(pattern="A.B"), "A.B")
    assert not hit(rule(pattern="A.B"), "AXB")
    assert hit(rule(pattern="100%"), "100%OFF")
