from datetime import date

import pytest

from portal.ledger.csv_import import CsvFormatError, decode
from portal.ledger.csv_import.amounts import parse_amount
from portal.ledger.csv_import.dates import parse_date
from portal.ledger.csv_import.errors import ValueFormatError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018/1/9", date(2018, 1, 9)),
        ("2019/01/20", date(2019, 1, 20)),
        ("2024-04-01", date(2024, 4, 1)),
        ("2024.04.05", date(2024, 4, 5)),
        ("20180702", date(2018, 7, 2)),
        ("2026年04月01日", date(2026, 4, 1)),
        ("２０２６年４月１日", date(2026, 4, 1)),  # full-width digits
        ("H30.01.15", date(2018, 1, 15)),
        ("h30.1.15", date(2018, 1, 15)),
        ("R01.05.01", date(2019, 5, 1)),
        ("H31.04.30", date(2019, 4, 30)),
        ("平成26年4月1日", date(2014, 4, 1)),
        ("令和7年4月1日", date(2025, 4, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("平成 30 年 07 月 22 日", date(2018, 7, 22)),
        ("2024/04/01 10:15", date(2024, 4, 1)),
    ],
)
def test_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["", "2024/13/01", "2024/02/30", "R01.04.30", "4月30日", "abc", "2024/4-1"]
)
def test_bad_dates(text):
    with pytest.raises(ValueFormatError) as err:
        parse_date(text)
    assert "日付" in err.value.message_ja


def test_explicit_date_format():
    assert parse_date("01/04/2024", "%d/%m/%Y") == date(2024, 4, 1)
    with pytest.raises(ValueFormatError):
        parse_date("2024/04/01", "%d/%m/%Y")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("230,090", 230090),
        ("7,025,283", 7025283),
        ("149307", 149307),
        ("１２，０００", 12000),
        ("-12,000", -12000),
        ("－12,000", -12000),
        ("△12,000", -12000),
        ("▲500", -500),
        ("¥1,000", 1000),
        ("￥1,000", 1000),
        ("1,000円", 1000),
        ("+300", 300),
        ("1000.00", 1000),
        ("0", 0),
        ("", None),
        ("-", None),
        (" ", None),
        (None, None),
    ],
)
def test_amounts(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["12,00", "1.5", "abc", "1,000,00", "--5", "12 34x"])
def test_bad_amounts(text):
    with pytest.raises(ValueFormatError):
        parse_amount(text)


def test_decode_prefers_strict_utf8_then_cp932():
    assert decode("日付\r\n".encode()).encoding == "utf-8"
    assert decode("日付\r\n".encode("cp932")).encoding == "cp932"
    assert decode(b"\xef\xbb\xbf" + "日付".encode()).encoding == "utf-8-sig"
    # cp932-only characters: ① (NEC special) and ～ (U+FF5E).
    assert decode("①～".encode("cp932")).text == "①～"


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"a\r\nb\r\n", "a\nb\n"),
        (b"a\rb\r", "a\nb\n"),
        (b"a\nb", "a\nb"),
        (b"a\r\nb\x1a", "a\nb"),
    ],
)
def test_decode_line_endings(raw, text):
    assert decode(raw).text == text


@pytest.mark.parametrize(
    "raw",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"PK\x03\x04\x14\x00\x06\x00",  # xlsx (zip)
        b"\x82\xff\x82\xff",  # neither UTF-8 nor cp932
        "日付\x80".encode("cp932") + b"\x80",  # C1 control: not text
    ],
)
def test_decode_refuses_binary(raw):
    with pytest.raises(CsvFormatError) as err:
        decode(raw)
    assert err.value.code == "not_text"
    assert "ファイル" in err.value.message_ja


def test_decode_refuses_large_files():
    with pytest.raises(CsvFormatError) as err:
        decode(b"a" * 101, max_bytes=100)
    assert err.value.code == "too_large"
    assert decode(b"a" * 100, max_bytes=100).text == "a" * 100
