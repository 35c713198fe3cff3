"""Each known bank layout, built as bytes the way the bank writes it."""

from datetime import date

import pytest

from portal.ledger.csv_import import ColumnMapping, decode, detect_layout, parse


def crlf(*lines: str) -> str:
    return "".join(line + "\r\n" for line in lines)


MUFG = crlf(
    '"日付","摘要","摘要内容","支払い金額","預かり金額","差引残高","メモ","未資金化区分","入払区分"',
    '"2018/1/9","カ－ド","ＪＣＢ）セブンカ－ド","1,080","","230,090","","","振替支払い"',
    '"2018/1/10","振込１","ｼﾖｳﾋｾﾞｲ","","10,000","240,090","","","振替入金"',
)
MUFG_6 = crlf(
    '"日付","摘要","摘要内容","支払い金額","預かり金額","差引残高"',
    '"2018/1/9","カ－ド","ＪＣＢ）セブンカ－ド","1,080","","230,090"',
    '"2018/1/10","振込１","ｼﾖｳﾋｾﾞｲ","","10,000","240,090"',
)
SMBC = crlf(
    "年月日,お引出し,お預入れ,お取り扱い内容,残高,メモ,ラベル",
    '2024/4/3,1200,,"V907163　券売機（ＪＲ）／ｉＤ",148107,"",',
    '2024/4/1,,50000,"振込　ｹｲﾃﾞｲ",149307,"",',
    ",,,,99307,,",
)
SMBC_OLD = crlf(
    '"年月日（和暦）","お引出し","お預入れ","お取り扱い内容","残高"',
    '"H30.01.15","3000","","ATM","97000"',
    '"H30.01.12","","100000","給与","100000"',
)
MIZUHO = crlf(
    "照会期間開始日,2024.04.01",
    "照会期間終了日,2024.04.30",
    "店番号,123",
    "店名,本店",
    "科目,普通",
    "口座番号,1234567",
    "口座名義,ﾔﾏﾀﾞ ﾀﾛｳ",
    "照会日,2024.05.01",
    "照会時刻,10:00",
    "通貨,円",
    "明細件数,2",
    "",
    "明細通番,日付,お引出金額,お預入金額,残高,お取引内容",
    "1,2024.04.01,-,300000,1300000,振込　カ）ヤマダ",
    "2,2024.04.05,5000,-,1295000,カード",
    "※当日の取引は含まれません。",
)


def yucho(header: str) -> str:
    return crlf(
        "お客さま口座情報",
        '現在高：,"12,345",円,',
        "出力日時：平成 30 年 07 月 22 日 17 時 52 分",
        "お客さま口座番号：10180-12345671",
        "照会対象：期間指定",
        "日付指定：平成 30 年 07 月 01 日 から 平成 30 年 07 月 22 日",
        "明細件数：2",
        header,
        "20180702,201807020000001,,2000,ＡＴＭ,,10345,",
        "20180710,201807100000002,2000,,振込,ﾔﾏﾀﾞ ﾀﾛｳ,12345,",
    )


YUCHO_FULL = yucho(
    "取引日,入出金明細ＩＤ,受入金額（円）,払出金額（円）,詳細１,詳細２,現在（貸付）高,"
)
YUCHO_HALF = yucho("取引日,入出金明細ID,受入金額（円）,払出金額（円）,詳細1,詳細2,現在（貸付）高,")
RAKUTEN = crlf(
    "取引日,入出金(円),取引後残高(円),入出金内容",
    "20240401,-2214,97786,マスタ－カ－ドニュウカイデ５０エン",
    "20240402,10000,107786,振込 ヤマダタロウ",
)
RAKUTEN_BIZ = crlf(
    "取引日,入出金(円),残高(円),入出金先内容",
    "20240401,-2214,97786,マスタ－カ－ドニュウカイデ５０エン",
    "20240402,10000,107786,振込 ヤマダタロウ",
)
SUMISHIN = crlf(
    '"日付","内容","出金金額(円)","入金金額(円)","残高(円)","メモ"',
    '"2019/01/20","振込＊トクガワイエヤス","10,000",,"90,000","-"',
    '"2019/01/18","利息",,"1","100,000","-"',
)
PAYPAY = crlf(
    '"操作日(年)","操作日(月)","操作日(日)","操作時刻(時)","操作時刻(分)","操作時刻(秒)",'
    '"取引順番号","摘要","お支払金額","お預り金額","残高","メモ"',
    '"2024","04","01","10","15","30","1","振込　ヤマダ","","7,644","107,644",""',
    '"2024","04","02","09","00","00","2","ＶＩＳＡ","1,000","","106,644",""',
)


def anser(out_name: str, in_name: str) -> str:
    return crlf(
        f'"照会口座","番号","勘定日","（起算日）","{out_name}","{in_name}","小切手区分",'
        '"残高（円）","取引区分","明細区分","金融機関名","支店名","摘要"',
        '"001-1234567","1","2026年04月01日","2026年03月31日","","7,025,283","","17,025,283",'
        '"振込","","","","カ）サンプル"',
        '"001-1234567","2","2026年04月02日","","25,283","","","17,000,000",'
        '"振替","","","","デンキダイ"',
    )


SHINSEI = crlf(
    "取引日,摘要,出金金額,入金金額,残高,メモ",
    '2024/04/01,振込 ヤマダ,,"50,000","150,000",',
    "2024/04/03,ATM,3000,,147000,",
)

# (name, raw bytes, layout, [(date, amount, description, balance)], value date of row 1)
CASES = [
    ("mufg", MUFG.encode("cp932"), "mufg",
     [(date(2018, 1, 9), -1080, "カ－ド ＪＣＢ）セブンカ－ド", 230090),
      (date(2018, 1, 10), 10000, "振込１ ｼﾖｳﾋｾﾞｲ", 240090)]),
    ("mufg 6 columns", MUFG_6.encode("cp932"), "mufg",
     [(date(2018, 1, 9), -1080, "カ－ド ＪＣＢ）セブンカ－ド", 230090),
      (date(2018, 1, 10), 10000, "振込１ ｼﾖｳﾋｾﾞｲ", 240090)]),
    ("smbc", SMBC.encode("cp932"), "smbc",
     [(date(2024, 4, 1), 50000, "振込　ｹｲﾃﾞｲ", 149307),
      (date(2024, 4, 3), -1200, "V907163　券売機（ＪＲ）／ｉＤ", 148107)]),
    ("smbc wareki", SMBC_OLD.encode("cp932"), "smbc_wareki",
     [(date(2018, 1, 12), 100000, "給与", 100000), (date(2018, 1, 15), -3000, "ATM", 97000)]),
    ("mizuho", MIZUHO.encode("cp932"), "mizuho",
     [(date(2024, 4, 1), 300000, "振込　カ）ヤマダ", 1300000),
      (date(2024, 4, 5), -5000, "カード", 1295000)]),
    ("yucho full-width", YUCHO_FULL.encode("cp932"), "yucho",
     [(date(2018, 7, 2), -2000, "ＡＴＭ", 10345),
      (date(2018, 7, 10), 2000, "振込 ﾔﾏﾀﾞ ﾀﾛｳ", 12345)]),
    ("yucho half-width", YUCHO_HALF.encode("cp932"), "yucho",
     [(date(2018, 7, 2), -2000, "ＡＴＭ", 10345),
      (date(2018, 7, 10), 2000, "振込 ﾔﾏﾀﾞ ﾀﾛｳ", 12345)]),
    ("rakuten", RAKUTEN.encode("cp932"), "rakuten",
     [(date(2024, 4, 1), -2214, "マスタ－カ－ドニュウカイデ５０エン", 97786),
      (date(2024, 4, 2), 10000, "振込 ヤマダタロウ", 107786)]),
    ("rakuten business", RAKUTEN_BIZ.encode("cp932"), "rakuten_business",
     [(date(2024, 4, 1), -2214, "マスタ－カ－ドニュウカイデ５０エン", 97786),
      (date(2024, 4, 2), 10000, "振込 ヤマダタロウ", 107786)]),
    ("sumishin sbi", SUMISHIN.encode("cp932"), "sumishin_sbi",
     [(date(2019, 1, 18), 1, "利息", 100000),
      (date(2019, 1, 20), -10000, "振込＊トクガワイエヤス", 90000)]),
    ("paypay", PAYPAY.encode("cp932"), "paypay",
     [(date(2024, 4, 1), 7644, "振込　ヤマダ", 107644),
      (date(2024, 4, 2), -1000, "ＶＩＳＡ", 106644)]),
    ("anser", anser("出金金額（円）", "入金金額（円）").encode("cp932"), "anser",
     [(date(2026, 4, 1), 7025283, "カ）サンプル", 17025283),
      (date(2026, 4, 2), -25283, "デンキダイ", 17000000)]),
    ("anser mizuho", anser("出金（円）", "入金（円）").encode("cp932"), "anser",
     [(date(2026, 4, 1), 7025283, "カ）サンプル", 17025283),
      (date(2026, 4, 2), -25283, "デンキダイ", 17000000)]),
    ("sbi shinsei", b"\xef\xbb\xbf" + SHINSEI.encode(), "sbi_shinsei",
     [(date(2024, 4, 1), 50000, "振込 ヤマダ", 150000), (date(2024, 4, 3), -3000, "ATM", 147000)]),
]


@pytest.mark.parametrize(("raw", "layout", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_layout_recognised_and_parsed(raw, layout, expected):
    result = parse(raw)
    assert result.layout_name == layout
    assert result.errors == []
    got = [(r.transaction_date, r.amount, r.description, r.balance_after) for r in result.rows]
    assert got == expected
    assert detect_layout(decode(raw).text).name == layout


def test_encodings_reported():
    assert parse(MUFG.encode("cp932")).encoding == "cp932"
    assert parse(b"\xef\xbb\xbf" + SHINSEI.encode()).encoding == "utf-8-sig"


def test_smbc_newest_first_is_reversed_and_balance_line_noted():
    result = parse(SMBC.encode("cp932"))
    assert result.reversed_order
    assert [r.line_no for r in result.rows] == [3, 2]
    assert [s.line_no for s in result.skipped] == [4]


def test_mizuho_preamble_and_note_rows():
    result = parse(MIZUHO.encode("cp932"))
    assert result.mapping.header_row == 12
    assert [r.line_no for r in result.rows] == [14, 15]
    assert [s.line_no for s in result.skipped] == [16]  # the ※ note, not an error
    assert result.errors == []


def test_yucho_id_column_is_not_the_withdrawal_column():
    layout = detect_layout(decode(YUCHO_FULL.encode("cp932")).text)
    assert layout.mapping.header_row == 7
    assert layout.mapping.deposit_col == 2
    assert layout.mapping.withdrawal_col == 3
    assert not parse(YUCHO_FULL.encode("cp932")).reversed_order  # oldest first already


def test_anser_value_date():
    rows = parse(anser("出金（円）", "入金（円）").encode("cp932")).rows
    assert [r.value_date for r in rows] == [date(2026, 3, 31), None]


def test_raw_cells_kept():
    row = parse(SUMISHIN.encode("cp932")).rows[1]
    assert row.raw_cells == ("2019/01/20", "振込＊トクガワイエヤス", "10,000", "", "90,000", "-")


def test_generic_mapping_for_unknown_layout():
    text = crlf(
        "日付,概要,入金金額,出金金額,残高",
        "2024-04-01,振込 ヤマダ,1000,,11000",
        "2024-04-02,デビット,,500,10500",
    )
    mapping = ColumnMapping(
        date_col=0, description_col=1, deposit_col=2, withdrawal_col=3, balance_col=4,
        header_row=0,
    )
    result = parse(text.encode("cp932"), mapping)
    assert result.layout_name == "custom"
    assert [(r.amount, r.balance_after) for r in result.rows] == [(1000, 11000), (-500, 10500)]
