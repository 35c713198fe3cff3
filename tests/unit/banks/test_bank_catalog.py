import time

import pytest

from portal.banks import catalog
from portal.banks.search_text import fold


def codes(query, limit=30):
    return [entry.code for entry in catalog.search(query, limit)]


def test_every_zengin_bank_is_in_the_catalog():
    from zengin_code import Bank

    codes_ = list(Bank.all)
    assert 1100 <= len(codes_) <= 1200  # 1,146 in the pinned zengin-code data
    assert all(catalog.get(code) is not None and catalog.get(code).code == code for code in codes_)


@pytest.mark.parametrize("query", [
    "みずほ", "ミズホ", "ﾐｽﾞﾎ", "mizuho", "MIZUHO", "みずほ銀行", "0001", "1",
])
def test_mizuho_comes_first(query):
    assert codes(query)[0] == "0001"


@pytest.mark.parametrize(("query", "code"), [
    ("住信SBIネット", "0038"),
    ("住信ＳＢＩネット", "0038"),  # full-width
    ("住信sbiﾈｯﾄ", "0038"),  # half-width kana, lower case
    ("住信SBIネット銀行", "0038"),
    ("ドコモSMTB", "0038"),
    ("GMOあおぞら", "0310"),
    ("ジーエムオーあおぞら", "0310"),  # ー for the data's U+FF0D
    ("ｼﾞｰｴﾑｵｰ", "0310"),
    ("三菱UFJ", "0005"),
    ("みつびしゆーえふじぇい", "0005"),  # small kana folded to the data's large kana
    ("ゆうちょ", "9900"),
    ("りそな", "0010"),
    ("0310", "0310"),
    ("北海道信用金庫", "1001"),
])
def test_search_finds(query, code):
    assert codes(query)[0] == code


def test_code_prefix_ranks_before_name_matches():
    found = codes("03")
    assert found[:2] == ["0300", "0304"]
    assert all(c.startswith("03") for c in found)
    assert codes("10")[:2] == ["0010", "1000"]  # padded exact code, then prefixes


def test_exact_name_ranks_before_longer_names():
    assert codes("りそな")[:2] == ["0010", "0017"]  # りそな, then 埼玉りそな


def test_limit_and_empty_queries():
    assert len(catalog.search("信金", limit=5)) == 5
    assert catalog.search("") == catalog.search(" ー ") == catalog.search("x", limit=0) == []
    assert catalog.search("存在しない銀行名") == []


@pytest.mark.parametrize(("code", "name"), [
    ("0001", "みずほ銀行"),
    ("0310", "GMOあおぞらネット銀行"),
    ("0038", "ドコモSMTBネット銀行"),
    ("9900", "ゆうちょ銀行"),
    ("0288", "三菱UFJ信託銀行"),
    ("0401", "シティバンク、エヌ・エイ"),  # already says バンク
    ("1001", "北海道信用金庫"),
    ("2951", "北海道労働金庫"),
    ("1000", "信金中央金庫"),  # not an abbreviation: kept
    ("9999", "9999"),  # unknown: the code itself
])
def test_display_name(code, name):
    assert catalog.display_name(code) == name


def test_get_keeps_zengin_fields_and_former_names():
    entry = catalog.get("38")
    assert entry.code == "0038"
    assert entry.short_name == "ドコモＳＭＴＢネット"
    assert entry.former_names == ("住信SBIネット銀行",)
    assert entry.former_name == "住信SBIネット銀行"
    assert entry.kana.startswith("ドコモ")
    assert catalog.get("0000") is None


def test_branch_name():
    assert catalog.branch_name("0001", "001") == "東京営業部"
    assert catalog.branch_name("1", "1") == "東京営業部"
    assert catalog.branch_name("0001", "999") is None
    assert catalog.branch_name("9999", "001") is None


@pytest.mark.parametrize(("text", "folded"), [
    ("ジ－エムオ－", "ジエムオ"),
    ("じーえむおー", "ジエムオ"),
    ("ｼﾞｰｴﾑｵｰ", "ジエムオ"),
    ("ＳＢＩ　ネット", "sbiネツト"),
])
def test_fold(text, folded):
    assert fold(text) == folded


def test_search_is_fast_once_loaded():
    catalog.search("warm up")
    start = time.perf_counter()
    for _ in range(20):
        catalog.search("しんきん")
    assert (time.perf_counter() - start) / 20 < 0.05
