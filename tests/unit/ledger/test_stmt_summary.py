"""summarise(): one pass over a file gives what parse() gives, counted instead of kept."""
from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.ledger.csv_import import ColumnMapping, CsvFormatError, parse, summarise
from portal.ledger.csv_import.summary import SHOWN_ROWS
from portal.ledger.fingerprint import dedup_key
from tests.unit.ledger.test_stmt_zengin import data as zengin_data
from tests.unit.ledger.test_stmt_zengin import header as zengin_header
from tests.unit.ledger.test_stmt_zengin import trailer_and_end


def crlf(*lines: str) -> str:
    return "".join(line + "\r\n" for line in lines)


MUFG_HEADER = '"日付","摘要","摘要内容","支払い金額","預かり金額","差引残高","メモ","未資金化区分","入払区分"'
SMBC_HEADER = "年月日,お引出し,お預入れ,お取り扱い内容,残高"


def mufg(n: int, *, bad_every: int = 0) -> str:
    lines, balance = [MUFG_HEADER], 1_000_000
    for i in range(n):
        amount = 1000 + i
        balance -= amount
        day = f"2024/{1 + i // 200 % 12}/{1 + i % 28}"
        if bad_every and i % bad_every == 0:
            day = "2024/13/1"
        lines.append(f'"{day}","カード","ＪＣＢ{i % 3}","{amount:,}","","{balance:,}","","",""')
        if i % 50 == 7:
            lines.append('"2024/1/1","残高のみ","","","","1,000","","",""')  # no amount: skipped
        if i % 333 == 5:
            lines.append(MUFG_HEADER)  # a repeated header: skipped
    return crlf(*lines)


def smbc_newest_first(n: int) -> str:
    rows, balance = [], 50_000
    for i in range(n):
        balance += 100
        rows.append(f"2024/{1 + i // 28 % 12}/{1 + i % 28},,100,振込{i % 4},{balance}")
    return crlf(SMBC_HEADER, *reversed(rows))


def one_day(n: int, *, newest_first: bool) -> str:
    rows, balance = [], 10_000
    for _ in range(n):
        balance -= 10
        rows.append(f"2024/5/1,10,,ATM,{balance}")
    return crlf(SMBC_HEADER, *(reversed(rows) if newest_first else rows))


def zengin(n: int) -> bytes:
    records = [zengin_header()]
    records += [zengin_data(i + 1, "070410", "070410", 1 + i % 2, 11, 1000 + i, payer="ﾔﾏﾀﾞ")
                for i in range(n)]
    return b"\r\n".join(records + trailer_and_end()) + b"\r\n"


PRE = crlf("照会口座,普通 1234567", "期間,2024/04/01～2024/04/30", "")
CUSTOM = PRE + crlf("利用日,内容,出,入", "2024-04-01,ｺﾝﾋﾞﾆ,300,", "2024-04-01,ｺﾝﾋﾞﾆ,300,",
                    "2024-04-02,返金,,120", "bad,x,1,")
CUSTOM_MAPPING = ColumnMapping(date_col=0, description_col=1, withdrawal_col=2, deposit_col=3,
                               header_row=3)

FILES = {
    "mufg cp932 with bad and skipped lines": (mufg(1200, bad_every=97).encode("cp932"), None),
    "mufg utf-8 with a BOM": (b"\xef\xbb\xbf" + mufg(300).encode("utf-8"), None),
    "smbc newest first": (smbc_newest_first(500).encode("cp932"), None),
    "one day, newest first by the balances": (one_day(40, newest_first=True).encode("utf-8"), None),
    "one day, oldest first by the balances": (one_day(40, newest_first=False).encode("utf-8"), None),
    "a mapping below a preamble": (CUSTOM.encode("cp932"), CUSTOM_MAPPING),
    "全銀協 fixed records": (zengin(60), None),
    "only a header": (crlf(SMBC_HEADER).encode("utf-8"), None),
}


def assert_same(raw: bytes, mapping, inside=None):
    result = parse(raw, mapping)
    s = summarise(raw, mapping, inside=inside)
    assert (s.encoding, s.layout_name, s.mapping) == (result.encoding, result.layout_name, result.mapping)
    assert s.reversed_order == result.reversed_order
    assert s.rows == len(result.rows)
    assert s.shown == result.rows[:SHOWN_ROWS]
    assert s.unreadable_count == len(result.unreadable)
    assert s.unreadable == result.unreadable[:len(s.unreadable)]
    assert len(s.unreadable) == min(len(result.unreadable), 100)
    counted = [r for r in result.rows if inside is None or inside(r)]
    assert s.counted == len(counted) and s.outside == len(result.rows) - len(counted)
    assert s.keys == Counter(dedup_key(r) for r in counted)
    if counted:
        assert (s.first, s.last) == (counted[0].transaction_date, counted[-1].transaction_date)
        assert (s.lo, s.hi) == (min(r.transaction_date for r in counted),
                                max(r.transaction_date for r in counted))
    else:
        assert (s.first, s.last, s.lo, s.hi) == (None, None, None, None)
    return s


@pytest.mark.parametrize("name", FILES)
def test_summary_matches_parse(name):
    raw, mapping = FILES[name]
    assert_same(raw, mapping)


def test_a_range_counts_only_the_rows_inside_it():
    raw, _ = FILES["smbc newest first"]
    s = assert_same(raw, None, inside=lambda r: date(2024, 3, 1) <= r.transaction_date <= date(2024, 4, 28))
    assert 0 < s.counted < s.rows


def test_large_file_keeps_only_what_it_shows():
    s = assert_same(mufg(20_000, bad_every=7).encode("cp932"), None)
    assert len(s.shown) == SHOWN_ROWS and len(s.unreadable) == 100
    assert s.unreadable_count > 2857 and s.rows > 17_000  # the rest is counted, not kept


@pytest.mark.parametrize("raw", [b"%PDF-1.4\x00binary", crlf("a,b,c", "1,2,3").encode("utf-8")])
def test_unreadable_files_are_refused_as_parse_refuses_them(raw):
    with pytest.raises(CsvFormatError) as parsed:
        parse(raw)
    with pytest.raises(CsvFormatError) as summarised:
        summarise(raw)
    assert parsed.value.code == summarised.value.code


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(-3, 3), st.booleans(), st.booleans()),
                max_size=30), st.booleans())
def test_summary_matches_parse_for_any_small_file(rows, newest_first):
    """Days, amounts, a balance or none, now and then a line that cannot be read."""
    lines, balance = [], 0
    for day, amount, with_balance, broken in rows:
        balance += amount
        lines.append(f"2024/5/{day if not broken else 40},{-amount if amount < 0 else ''},"
                     f"{amount if amount > 0 else ''},振込,{balance if with_balance else ''}")
    raw = crlf(SMBC_HEADER, *(reversed(lines) if newest_first else lines)).encode("utf-8")
    assert_same(raw, None)
    assert_same(raw, None, inside=lambda r: r.transaction_date.day != 2)
