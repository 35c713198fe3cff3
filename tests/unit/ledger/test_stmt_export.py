from datetime import date

import pytest

from portal.ledger.csv_export import (
    CHUNK_ROWS,
    CP932_REPLACEMENT,
    ExportRow,
    export_csv,
    export_description,
)
from portal.ledger.csv_import import parse

ROWS = [
    ExportRow(date(2024, 4, 1), date(2024, 3, 31), 50000, "振込　ﾔﾏﾀﾞ ﾀﾛｳ", 150000),
    ExportRow(date(2024, 4, 1), None, -1080, 'ＪＣＢ）セブンカ－ド, "店"', 148920),
    ExportRow(date(2024, 4, 2), None, 0, "利息", 148920),
    ExportRow(date(2024, 4, 3), None, -300, "コンビニ①", None),
    ExportRow(date(2024, 4, 3), None, -300, "コンビニ①", None),  # identical twin kept
    ExportRow(date(2024, 4, 4), None, -200000, "カード", -51080),
]


def as_tuples(rows):
    return [(r.transaction_date, r.value_date, r.amount, r.description, r.balance_after)
            for r in rows]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_export_round_trip(encoding):
    raw = b"".join(export_csv(ROWS, encoding))
    result = parse(raw)
    assert result.layout_name == "tsunagu"
    assert result.errors == [] and result.skipped == []
    assert as_tuples(result.rows) == [
        (r.transaction_date, r.value_date, r.amount, r.description, r.balance_after)
        for r in ROWS
    ]


def test_export_header_and_format():
    raw = b"".join(export_csv(ROWS[:2], "cp932"))
    lines = raw.decode("cp932").split("\r\n")
    assert lines[0] == "取引日,起算日,摘要,入金,出金,残高,メモ"
    assert lines[1] == "2024/04/01,2024/03/31,振込　ﾔﾏﾀﾞ ﾀﾛｳ,50000,,150000,"
    assert lines[2] == '2024/04/01,,"ＪＣＢ）セブンカ－ド, ""店""",,1080,148920,'
    assert b"".join(export_csv([], "utf-8-sig")).startswith(b"\xef\xbb\xbf\xe5\x8f\x96")


def test_cp932_replacement_is_predictable():
    row = ExportRow(date(2024, 4, 1), None, -100, "Café 🍣 髙橋", None)
    raw = b"".join(export_csv([row], "cp932"))
    (back,) = parse(raw).rows
    assert back.description == f"Caf{CP932_REPLACEMENT} {CP932_REPLACEMENT} 髙橋"
    assert export_description("Café 🍣 髙橋", "cp932") == back.description
    assert export_description("Café 🍣", "utf-8-sig") == "Café 🍣"


def test_line_breaks_in_descriptions_become_spaces():
    row = ExportRow(date(2024, 4, 1), None, 1, "a\r\nb\tc ", None)
    (back,) = parse(b"".join(export_csv([row], "utf-8-sig"))).rows
    assert back.description == "a  b c"


def test_export_is_streamed_in_chunks():
    many = [ExportRow(date(2024, 4, 1), None, 1, "x", None)] * (CHUNK_ROWS * 2 + 3)
    chunks = list(export_csv(iter(many), "utf-8-sig"))
    assert len(chunks) >= 3
    assert sum(c.startswith(b"\xef\xbb\xbf") for c in chunks) == 1
    assert len(parse(b"".join(chunks)).rows) == len(many)


def test_export_refuses_other_encodings():
    with pytest.raises(ValueError):
        list(export_csv(ROWS, "latin-1"))
