"""The banks' メモ column is read beside the description, never into it."""
import pytest

from portal.ledger.csv_import import ColumnMapping, guess_mapping, parse
from portal.ledger.fingerprint import dedup_key


def crlf(*lines: str) -> str:
    return "".join(line + "\r\n" for line in lines)


MUFG = crlf(
    '"日付","摘要","摘要内容","支払い金額","預かり金額","差引残高","メモ","未資金化区分","入払区分"',
    '"2024/4/1","振込１","ｶ)ﾔﾏﾀﾞｼﾖｳﾃﾝ","","300,000","1,300,000","4月分家賃","","振替入金"',
    '"2024/4/3","カ－ド","ＪＣＢ）セブンカ－ド","1,080","","1,298,920","","","振替支払い"',
)
MUFG_6 = crlf(
    '"日付","摘要","摘要内容","支払い金額","預かり金額","差引残高"',
    '"2024/4/1","振込１","ｶ)ﾔﾏﾀﾞｼﾖｳﾃﾝ","","300,000","1,300,000"',
)
SMBC = crlf(
    "年月日,お引出し,お預入れ,お取り扱い内容,残高,メモ,ラベル",
    '2024/4/1,,50000,"振込　ｹｲﾃﾞｲ",149307,"請求書No.12",',
)
SUMISHIN = crlf(
    '"日付","内容","出金金額(円)","入金金額(円)","残高(円)","メモ"',
    '"2019/01/20","振込＊トクガワイエヤス","10,000",,"90,000","-"',
    '"2019/01/18","利息",,"1","100,000","年利"',
)
PAYPAY = crlf(
    '"操作日(年)","操作日(月)","操作日(日)","操作時刻(時)","操作時刻(分)","操作時刻(秒)",'
    '"取引順番号","摘要","お支払金額","お預り金額","残高","メモ"',
    '"2024","04","01","10","15","30","1","振込　ヤマダ","","7,644","107,644","経費"',
)
SHINSEI = crlf("取引日,摘要,出金金額,入金金額,残高,メモ", "2024/04/03,ATM,3000,,147000,立替")
TSUNAGU_OLD = crlf("取引日,起算日,摘要,入金,出金,残高", "2024/04/01,,振込,100,,100")


@pytest.mark.parametrize("raw, layout, memos, descriptions", [
    (MUFG, "mufg", ["4月分家賃", ""], ["振込１ ｶ)ﾔﾏﾀﾞｼﾖｳﾃﾝ", "カ－ド ＪＣＢ）セブンカ－ド"]),
    (MUFG_6, "mufg", [""], ["振込１ ｶ)ﾔﾏﾀﾞｼﾖｳﾃﾝ"]),  # files without the column still read
    (SMBC, "smbc", ["請求書No.12"], ["振込　ｹｲﾃﾞｲ"]),
    (SUMISHIN, "sumishin_sbi", ["年利", ""], ["利息", "振込＊トクガワイエヤス"]),  # "-" is no memo
    (PAYPAY, "paypay", ["経費"], ["振込　ヤマダ"]),
    (SHINSEI, "sbi_shinsei", ["立替"], ["ATM"]),
    (TSUNAGU_OLD, "tsunagu", [""], ["振込"]),  # our exports from before the column
])
def test_each_layout_reads_its_memo_column(raw, layout, memos, descriptions):
    result = parse(raw.encode("cp932"))
    assert result.layout_name == layout and result.errors == []
    assert [r.memo for r in result.rows] == memos
    assert [r.description for r in result.rows] == descriptions


def test_a_memo_is_not_part_of_a_rows_identity():
    with_memo, = parse(SMBC.encode("cp932")).rows
    without, = parse(SMBC.replace("請求書No.12", "").encode("cp932")).rows
    assert dedup_key(with_memo) == dedup_key(without)


def test_the_mapping_step_offers_a_memo_column():
    mapping = guess_mapping(["利用年月日", "ご利用内容", "お支払い", "お受取り", "メモ欄"])
    assert mapping is not None and mapping.memo_col == 4
    raw = crlf("利用年月日,ご利用内容,お支払い,お受取り,メモ欄", "2024-05-01,ｺﾝﾋﾞﾆ,300,,おやつ")
    (row,) = parse(raw.encode("utf-8"), mapping).rows
    assert (row.description, row.memo) == ("ｺﾝﾋﾞﾆ", "おやつ")
    # Remembered mappings from before the column still load (no memo_col key).
    old = {k: v for k, v in mapping.to_dict().items() if k != "memo_col"}
    assert ColumnMapping.from_dict(old).memo_col is None
