"""The edge cases listed at the end of the CSV-format notes, plus per-line errors."""

from datetime import date

import pytest

from portal.ledger.csv_import import parse

SMBC_HEADER = "年月日,お引出し,お預入れ,お取り扱い内容,残高,メモ,ラベル"
MUFG_HEADER = '"日付","摘要","摘要内容","支払い金額","預かり金額","差引残高"'


def crlf(*lines: str) -> str:
    return "".join(line + "\r\n" for line in lines)


@pytest.mark.parametrize("header", [SMBC_HEADER, MUFG_HEADER])
def test_header_only_file(header):
    result = parse(crlf(header).encode("cp932"))
    assert result.rows == [] and result.errors == [] and result.skipped == []


def test_both_amounts_empty_is_skipped_and_noted():
    raw = crlf(
        MUFG_HEADER,
        '"2024/4/1","振込","ﾔﾏﾀﾞ","","1,000","11,000"',
        '"2024/4/2","メモ","","","","11,000"',
    ).encode("cp932")
    result = parse(raw)
    assert [r.line_no for r in result.rows] == [2]
    assert [s.line_no for s in result.skipped] == [3]
    assert result.errors == []


def test_both_amounts_filled_is_an_error():
    raw = crlf(
        MUFG_HEADER,
        '"2024/4/1","振込","","500","1,000","11,000"',
        '"2024/4/2","ATM","","0","2,000","13,000"',  # a zero is padding, not an amount
    ).encode("cp932")
    result = parse(raw)
    assert [(e.line_no, e.message_ja) for e in result.errors] == [
        (2, "入金と出金の両方に金額があります")
    ]
    assert [r.amount for r in result.rows] == [2000]


@pytest.mark.parametrize("balance", ['"-12,000"', '"△12,000"', '"▲12,000"', '"－12,000"'])
def test_negative_balance(balance):
    raw = crlf(MUFG_HEADER, f'"2024/4/1","ATM","","20,000","",{balance}').encode("cp932")
    (row,) = parse(raw).rows
    assert (row.amount, row.balance_after) == (-20000, -12000)


def test_cr_only_line_endings():
    raw = (SMBC_HEADER + "\r2024/4/1,,100,\"振込\",100,,\r2024/4/2,50,,\"ATM\",50,,\r").encode(
        "cp932"
    )
    result = parse(raw)
    assert [(r.line_no, r.amount) for r in result.rows] == [(2, 100), (3, -50)]


def test_cp932_only_character():
    raw = crlf(SMBC_HEADER, '2024/4/1,,100,"振込①～ﾔﾏﾀﾞ",100,,').encode("cp932")
    result = parse(raw)
    assert result.encoding == "cp932"
    assert result.rows[0].description == "振込①～ﾔﾏﾀﾞ"


def test_utf8_bom_before_header():
    body = crlf(SMBC_HEADER, '2024/4/1,,100,"振込",100,,')
    as_utf8 = parse(b"\xef\xbb\xbf" + body.encode())
    assert (as_utf8.encoding, as_utf8.layout_name) == ("utf-8-sig", "smbc")
    # Some tools put a BOM in front of cp932 bytes: the BOM is dropped, cp932 read.
    as_cp932 = parse(b"\xef\xbb\xbf" + body.encode("cp932"))
    assert (as_cp932.encoding, as_cp932.layout_name) == ("cp932", "smbc")
    assert as_utf8.rows == as_cp932.rows


def test_identical_rows_on_one_day_are_all_kept():
    with_balance = crlf(
        SMBC_HEADER,
        '2024/4/1,1000,,"ATM",8000,,',
        '2024/4/1,1000,,"ATM",9000,,',
        ",,,,10000,,",
    )  # newest first; same day, so the balance chain tells the order
    result = parse(with_balance.encode("cp932"))
    assert [r.balance_after for r in result.rows] == [9000, 8000]
    without_balance = crlf(
        '"日付","内容","出金金額(円)","入金金額(円)","残高(円)","メモ"',
        '"2024/04/01","コンビニ","300",,,"-"',
        '"2024/04/01","コンビニ","300",,,"-"',
    )
    rows = parse(without_balance.encode("cp932")).rows
    assert [(r.line_no, r.amount) for r in rows] == [(3, -300), (2, -300)]  # both kept


def test_era_change_inside_one_file():
    raw = crlf(
        '"年月日（和暦）","お引出し","お預入れ","お取り扱い内容","残高"',
        '"R01.05.01","1000","","ATM","9000"',
        '"H31.04.30","","10000","振込","10000"',
    ).encode("cp932")
    rows = parse(raw).rows
    assert [r.transaction_date for r in rows] == [date(2019, 4, 30), date(2019, 5, 1)]


@pytest.mark.parametrize(
    ("lines", "reversed_"),
    [
        (['2024/4/1,,100,"a",100,,', '2024/4/2,,100,"b",200,,', '2024/4/2,,100,"c",300,,'], False),
        (['2024/4/2,,100,"c",300,,', '2024/4/2,,100,"b",200,,', '2024/4/1,,100,"a",100,,'], True),
    ],
)
def test_newest_first_and_oldest_first(lines, reversed_):
    result = parse(crlf(SMBC_HEADER, *lines).encode("cp932"))
    assert [r.description for r in result.rows] == ["a", "b", "c"]
    assert result.reversed_order is reversed_


BAD = crlf(
    "照会期間開始日,2024.04.01",
    "",
    "明細通番,日付,お引出金額,お預入金額,残高,お取引内容",
    "1,2024.04.01,-,1000,11000,振込",
    "2,2024.13.01,-,1000,12000,振込",  # line 5: bad date
    "3,2024.04.03,12x,-,11000,ATM",  # line 6: bad amount
    "4,2024.04.04,500,-,10500,ATM",
    "5,2024.04.05,500,-,abc,ATM",  # line 8: bad balance
)


def test_bad_rows_keep_good_policy():
    result = parse(BAD.encode("cp932"))
    assert [e.line_no for e in result.errors] == [5, 6, 8]
    assert "日付" in result.errors[0].message_ja
    assert "金額" in result.errors[1].message_ja
    assert "残高" in result.errors[2].message_ja
    assert [r.line_no for r in result.rows] == [4, 7]


def test_bad_rows_all_or_nothing_policy():
    result = parse(BAD.encode("cp932"), policy="all_or_nothing")
    assert result.rows == []
    assert [e.line_no for e in result.errors] == [5, 6, 8]
    good = parse(crlf(*BAD.splitlines()[:4]).encode("cp932"), policy="all_or_nothing")
    assert len(good.rows) == 1


def test_unknown_policy_is_refused():
    with pytest.raises(ValueError):
        parse(BAD.encode("cp932"), policy="best_effort")


def test_line_numbers_count_physical_lines_in_quoted_breaks():
    raw = crlf(
        MUFG_HEADER,
        '"2024/4/1","振込","二行の\r\nメモ","","1,000","11,000"',
        '"2024/4/2","ATM","","x","","11,000"',
    ).encode("cp932")
    result = parse(raw)
    assert [r.line_no for r in result.rows] == [2]
    assert [e.line_no for e in result.errors] == [4]


def test_repeated_header_line_is_skipped_not_an_error():
    raw = crlf(
        SMBC_HEADER, '2024/4/1,,100,"a",100,,', SMBC_HEADER, '2024/4/2,,100,"b",200,,'
    ).encode("cp932")
    result = parse(raw)
    assert [r.description for r in result.rows] == ["a", "b"]
    assert [s.line_no for s in result.skipped] == [3] and result.errors == []
