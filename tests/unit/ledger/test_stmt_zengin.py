from datetime import date

import pytest

from portal.ledger.csv_import import CsvFormatError, parse
from portal.ledger.csv_import.zengin import DATA_FIELDS


def num(value: int | str, width: int) -> bytes:
    return str(value).rjust(width, "0").encode("ascii")


def text(value: str, width: int) -> bytes:
    raw = value.encode("cp932")  # JIS8 half-width kana are single cp932 bytes
    return raw + b" " * (width - len(raw))


def header() -> bytes:
    rec = b"1" + b"03" + b"0" + num("070430", 6) + num("070401", 6) + num("070430", 6)
    rec += num(1234, 4) + text("ﾐﾂｲｽﾐﾄﾓ", 15) + num(123, 3) + text("ﾎﾝﾃﾝ", 15)
    return rec.ljust(200, b" ")


def data(no, day, value_day, in_out, kind, amount, payer="", memo="") -> bytes:
    values = {
        "kind": b"2", "inquiry_no": num(no, 8), "account_date": num(day, 6),
        "value_date": num(value_day, 6), "in_out": str(in_out).encode(),
        "transaction_type": str(kind).encode(), "amount": num(amount, 12),
        "payer_name": text(payer, 48), "memo": text(memo, 20),
    }
    rec = b"".join(values.get(name, b" " * width) for name, width in DATA_FIELDS)
    assert len(rec) == 200
    return rec


def trailer_and_end() -> list[bytes]:
    return [b"8".ljust(200, b"0"), b"9".ljust(200, b" ")]


RECORDS = [
    header(),
    data(4, "310430", "310430", 1, 14, 5, memo="ﾘｿｸ"),  # H31.04.30: YY ≥ 31 is 平成
    data(1, "070401", "070401", 1, 11, 135000, payer="ﾔﾏﾀﾞ ﾀﾛｳ"),
    data(2, "070402", "070402", 2, 10, 20000, memo="ATM"),
    data(3, "070403", "070402", 2, 19, 20000, memo="ﾃｲｾｲ"),  # 訂正 of a withdrawal: +
    *trailer_and_end(),
]
EXPECTED = [
    (date(2019, 4, 30), date(2019, 4, 30), 5, "ﾘｿｸ"),
    (date(2025, 4, 1), date(2025, 4, 1), 135000, "ﾔﾏﾀﾞ ﾀﾛｳ"),
    (date(2025, 4, 2), date(2025, 4, 2), -20000, "ATM"),
    (date(2025, 4, 3), date(2025, 4, 2), 20000, "ﾃｲｾｲ"),
]


@pytest.mark.parametrize("separator", [b"\r\n", b""], ids=["crlf", "no line breaks"])
def test_fixed_length(separator):
    result = parse(separator.join(RECORDS) + separator)
    assert result.layout_name == "zengin" and result.errors == []
    got = [(r.transaction_date, r.value_date, r.amount, r.description) for r in result.rows]
    assert got == EXPECTED
    assert [r.line_no for r in result.rows] == [2, 3, 4, 5]  # record numbers without breaks


def test_fixed_length_bad_records_have_numbers():
    records = [header(), data(1, "070401", "070401", 3, 11, 1), b"2short", *trailer_and_end()]
    result = parse(b"\r\n".join(records))
    errors = [(e.line_no, e.message_ja[:4]) for e in result.errors]
    assert errors == [(2, "入払区分"), (3, "レコード")]
    assert parse(b"\r\n".join(records), policy="all_or_nothing").rows == []


def test_several_accounts_are_refused():
    with pytest.raises(CsvFormatError) as err:
        parse(b"\r\n".join([header(), data(1, "070401", "070401", 1, 11, 1), header()]))
    assert err.value.code == "several_accounts"


def test_csv_variant():
    lines = [
        "1,03,0,070430,070401,070430,1234,ﾐﾂｲｽﾐﾄﾓ,123,ﾎﾝﾃﾝ",
        '2,02000001,060202,060202,1,14,000000135000,000000000000,,,,,276,,"","ﾐﾂｲｽﾐﾄﾓ",'
        '"ﾆｼｶｻｲ","","",""',
        '2,02000002,060203,060203,2,19,000000001000,000000000000,,,,,276,,"ﾔﾏﾀﾞ","",'
        '"","ﾍﾝｷﾝ","",""',
        "8,000001,0000000135000,000001,0000000001000",
        "9",
    ]
    result = parse(("\r\n".join(lines) + "\r\n").encode("cp932"))
    assert result.layout_name == "zengin_csv" and result.errors == []
    assert [(r.line_no, r.transaction_date, r.amount, r.description) for r in result.rows] == [
        (2, date(2024, 2, 2), 135000, "振替"),  # no text: the 取引区分 label
        (3, date(2024, 2, 3), 1000, "ﾍﾝｷﾝ ﾔﾏﾀﾞ"),  # 訂正 of a withdrawal
    ]
