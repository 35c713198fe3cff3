import pytest

from portal.ledger.normalize import description_score, norm_description


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ｼﾖｳﾋｾﾞｲ", "シヨウヒゼイ"),  # half-width kana → full-width
        ("ショウヒゼイ", "シヨウヒゼイ"),  # small kana folded
        ("ＪＣＢ）セブンカ－ド", "JCBセブンカ-ド"),  # U+FF0D long-vowel stand-in, bracket dropped
        ("セブンカード", "セブンカ-ド"),  # ー → -
        ("振込　ｹｲﾃﾞｲ", "振込ケイデイ"),  # U+3000 removed
        ("V907163　券売機（ＪＲ）／ｉＤ", "V907163券売機JR/ID"),
        ("ﾄｳｷｮｳ・ﾃﾞﾝﾘｮｸ", "トウキヨウ.デンリヨク"),
        ("a‐b−c-d", "A-B-C-D"),
        ("【振込】「山田」", "振込山田"),
        ("  mixed \t case ", "MIXEDCASE"),
        ("", ""),
    ],
)
def test_norm_examples(raw, expected):
    assert norm_description(raw) == expected


def test_half_and_full_width_kana_are_equal():
    assert norm_description("ﾏｽﾀｰｶｰﾄﾞ ﾆｭｳｶｲ") == norm_description("マスターカード　ニュウカイ")
    assert norm_description("ﾏｽﾀｰｶｰﾄﾞ") == norm_description("マスタ－カ－ド")


@pytest.mark.parametrize(
    ("a", "b", "score"),
    [
        ("ﾌﾘｺﾐ ﾔﾏﾀﾞ ﾀﾛｳ", "フリコミ　ヤマダ　タロウ", 3),
        ("フリコミヤマダタロウ", "フリコミヤマダ", 2),  # truncated by one side
        ("ABC", "ABCD", 1),  # under 4 characters: no prefix credit, only similarity
        ("ABC", "ABCDEFG", 0),
        ("デンキダイ　４月分", "デンキダイ　5月分", 1),
        ("ATM", "振込", 0),
        ("", "", 0),  # empty text never counts as a match
    ],
)
def test_description_score(a, b, score):
    assert description_score(a, b) == score
    assert description_score(b, a) == score
