"""Messages as msgids with params: translatable by the web layer, the same Japanese as before."""

import ast
from datetime import date
from pathlib import Path

import pytest

from portal.ledger.csv_import import CsvFormatError, RowError, SkippedRow, decode, parse
from portal.ledger.csv_import.layouts import SPECS
from portal.ledger.cutover_match import IncomingRow, LedgerRow, match_cutover, read_reason
from portal.ledger.messages import N_, Message, ja

STATEMENTS = Path(__file__).resolve().parents[3] / "portal/statements"
MUFG_HEADER = '"日付","摘要","摘要内容","支払い金額","預かり金額","差引残高"'


def crlf(*lines: str) -> str:
    return "".join(line + "\r\n" for line in lines)


def test_marker_and_japanese_text():
    assert N_("日付が空です") == "日付が空です"
    assert ja("日付差%(days)s日", {"days": 2}) == "日付差2日"
    assert ja("100%") == "100%"  # no params: the msgid is the text, never formatted
    message = Message("金額を読み取れません:「%(text)s」", {"text": "x"})
    assert message.message_ja == str(message) == "金額を読み取れません:「x」"


def test_row_errors_carry_msgid_and_params():
    raw = crlf(
        MUFG_HEADER,
        '"2024/4/1","振込","","x1","","1,000"',
        '"2024/4/2","振込","","","500","残り"',
        '"2024/4/3","メモ","","","",""',
        '"2024/4/4","振込","","","500","1,500"',
    ).encode("cp932")
    result = parse(raw)
    assert [(e.line_no, e.msgid, dict(e.params)) for e in result.errors] == [
        (2, "金額を読み取れません:「%(text)s」", {"text": "x1"}),
        (3, "残高を読み取れません:「%(text)s」", {"text": "残り"}),
    ]
    assert [e.message_ja for e in result.errors] == [
        "金額を読み取れません:「x1」", "残高を読み取れません:「残り」"]
    assert [(s.line_no, s.msgid, s.message_ja) for s in result.skipped] == [
        (4, "金額のない行のため取り込みません", "金額のない行のため取り込みません")]


def test_rows_built_the_old_way_still_work():
    assert RowError(3, "読めません").message_ja == "読めません"
    assert SkippedRow(4, "%(n)s行", {"n": 4}).message_ja == "4行"
    assert RowError(3, "x", {"a": 1}) == RowError(3, "x", {"a": 1})
    assert hash(RowError(3, "x", {"a": 1})) == hash(RowError(3, "x", {"a": 2}))  # params not hashed


def test_file_errors_carry_msgid_and_params():
    with pytest.raises(CsvFormatError) as err:
        decode(b"a" * 3 * 1024 * 1024, max_bytes=2 * 1024 * 1024)
    exc = err.value
    assert exc.code == "too_large" and exc.params == {"kb": "2,048"}
    assert exc.msgid == "ファイルが大きすぎます（上限 %(kb)s KB）。期間を分けて取り込んでください。"
    assert exc.message_ja == "ファイルが大きすぎます（上限 2,048 KB）。期間を分けて取り込んでください。"
    assert str(exc) == f"too_large: {exc.message_ja}"
    with pytest.raises(CsvFormatError) as err:
        parse(b"a,b\r\n1,2\r\n")
    assert err.value.code == "unknown_layout" and err.value.params == {}
    assert err.value.message_ja == err.value.msgid


def test_zengin_record_errors_carry_params():
    header = b"1" + b"03" + b" " * 197
    result = parse(b"\r\n".join([header, b"2short"]))
    assert [(e.line_no, e.msgid, dict(e.params)) for e in result.errors] == [
        (2, "レコード長が%(bytes)sバイトではありません", {"bytes": 200})]
    assert result.errors[0].message_ja == "レコード長が200バイトではありません"


def test_layout_labels_are_their_msgids():
    assert {s.label_ja for s in SPECS} >= {"三菱UFJ銀行", "ゆうちょ銀行", "Tsunagu書き出し"}


def test_cutover_reasons_as_messages_and_read_back():
    existing = [LedgerRow(1, date(2024, 4, 6), -10000, "ＡＴＭ", 5000),
                LedgerRow(2, date(2024, 4, 7), -10000, "ATM", 4000)]
    incoming = [IncomingRow("a", date(2024, 4, 6), -10000, "ATM", 9000)]
    (amb,) = match_cutover(existing, incoming).ambiguous
    assert amb.reasons == ["1: 金額一致・日付差0日・摘要一致・残高不一致",
                           "2: 金額一致・日付差1日・摘要一致・残高不一致"]
    assert amb.reason_messages[1] == (
        Message("金額一致"), Message("日付差%(days)s日", {"days": 1}), Message("摘要一致"),
        Message("残高不一致"))
    for text, messages in zip(amb.reasons, amb.reason_messages, strict=True):
        stored = text.split(": ", 1)[1]  # as the review queue keeps it
        assert read_reason(stored) == messages
    assert read_reason("") == ()
    assert read_reason("金額一致・別の理由") == (Message("金額一致"), Message("別の理由"))


def test_statement_modules_stay_free_of_flask():
    for path in STATEMENTS.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] in ("flask", "flask_babel") for n in names), path
