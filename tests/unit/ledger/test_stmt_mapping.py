import json

import pytest

from portal.ledger.csv_import import ColumnMapping, CsvFormatError, guess_mapping, parse


def test_mapping_json_round_trip():
    m = ColumnMapping(
        date_col=0, description_col=7, deposit_col=9, withdrawal_col=8, balance_col=10,
        header_row=3, date_format="%Y/%m/%d", date_part_cols=(0, 1, 2),
        description_extra_cols=(11,),
    )
    assert ColumnMapping.from_dict(json.loads(json.dumps(m.to_dict()))) == m


@pytest.mark.parametrize(
    "data",
    [
        {"date_col": 0, "description_col": 1},  # no amount column
        {"date_col": 0, "description_col": 1, "signed_amount_col": 2, "deposit_col": 3},
        {"date_col": -1, "description_col": 1, "signed_amount_col": 2},
        {"date_col": "0", "description_col": 1, "signed_amount_col": 2},
        {"description_col": 1, "signed_amount_col": 2},
        {"date_col": 0, "description_col": 1, "signed_amount_col": 2, "header_row": -2},
    ],
)
def test_mapping_rejects_bad_dicts(data):
    with pytest.raises(ValueError):
        ColumnMapping.from_dict(data)


def test_guess_mapping_generic_header():
    m = guess_mapping(["日付", "概要", "入金金額", "出金金額", "残高"], header_row=2)
    assert (m.date_col, m.description_col, m.deposit_col, m.withdrawal_col, m.balance_col) == (
        0, 1, 2, 3, 4,
    )
    assert m.header_row == 2


def test_guess_mapping_does_not_take_the_id_column_for_withdrawals():
    # A variant with renamed columns so no known layout matches.
    m = guess_mapping(["取引日", "入出金明細ＩＤ", "受入金額", "払出金額", "詳細", "現在高"])
    assert m.withdrawal_col == 3
    assert m.deposit_col == 2
    assert m.balance_col == 5
    assert m.description_col == 4


def test_guess_mapping_signed_and_split_dates():
    m = guess_mapping(["年", "月", "日", "摘要", "金額", "残高"])
    assert m.date_part_cols == (0, 1, 2)
    assert m.signed_amount_col == 4
    assert m.deposit_col is None and m.withdrawal_col is None


def test_guess_mapping_uses_known_layout():
    m = guess_mapping(["取引日", "入出金(円)", "取引後残高(円)", "入出金内容"])
    assert m.signed_amount_col == 1 and m.balance_col == 2 and m.description_col == 3


def test_guess_mapping_gives_up_without_amount():
    assert guess_mapping(["日付", "摘要", "メモ"]) is None


def test_unknown_layout_without_mapping_asks_for_mapping():
    raw = b"date,text,amount\r\n2024/04/01,x,100\r\n"
    with pytest.raises(CsvFormatError) as err:
        parse(raw)
    assert err.value.code == "unknown_layout"
    assert "列の対応付け" in err.value.message_ja


def test_guessed_mapping_parses_the_file():
    raw = "日付,概要,入金金額,出金金額,残高\r\n2024/04/01,振込,1000,,11000\r\n".encode("cp932")
    m = guess_mapping(["日付", "概要", "入金金額", "出金金額", "残高"])
    assert [r.amount for r in parse(raw, m).rows] == [1000]


def test_headerless_file_with_mapping():
    raw = "2024/04/01,振込,1000\r\n2024/04/02,ATM,-500\r\n".encode("cp932")
    m = ColumnMapping(date_col=0, description_col=1, signed_amount_col=2, header_row=-1)
    assert [(r.line_no, r.amount) for r in parse(raw, m).rows] == [(1, 1000), (2, -500)]
