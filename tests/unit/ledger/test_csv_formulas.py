"""CSV export never hands a spreadsheet a formula (CWE-1236), and our importer gets the text back."""
import csv
import io
from datetime import date

import pytest

from portal.ledger.csv_cells import neutralise, restore
from portal.ledger.csv_export import ExportRow, export_csv
from portal.ledger.csv_import import parse

ENCODINGS = ["utf-8-sig", "cp932"]
# OWASP's starting characters, their full-width forms, and the same behind spaces or quotes.
DANGEROUS = ["=1+1", "+81-3-1234", "-500", "@SUM(A1)", "＝1+1", "＋1", "－1", "＠SUM(A1)",
             " =1+1", "　=1+1", '"=1+1', "'=1+1", "\"'@x"]
HARMLESS = ["振込 ﾔﾏﾀﾞ", "ATM", "1+1", "カ－ド", "a=b", ""]


def cells(raw: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode(encoding), newline="")))


def export(description: str, memo: str = "", encoding: str = "utf-8-sig", amount=-1080,
           balance=-51380) -> bytes:
    row = ExportRow(date(2024, 4, 1), None, amount, description, balance, memo)
    return b"".join(export_csv([row], encoding))


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("text", DANGEROUS)
def test_text_a_spreadsheet_would_run_is_written_as_text_and_read_back(text, encoding):
    raw = export(text, memo=text, encoding=encoding)
    header, row = cells(raw, encoding)
    assert header == ["取引日", "起算日", "摘要", "入金", "出金", "残高", "メモ"]
    written = text.strip()  # the exporter strips text, as the importer strips cells
    assert row[2] == "'" + written and row[6] == "'" + written
    (back,) = parse(raw).rows
    assert (back.description, back.memo) == (written, written)


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_text_is_written_unchanged(text, encoding):
    raw = export(text, memo=text, encoding=encoding)
    row = cells(raw, encoding)[1]
    assert row[2] == text and row[6] == text
    (back,) = parse(raw).rows
    assert (back.description, back.memo) == (text, text)


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("lead", ["\t", "\r", "\r\n", "\t "])
def test_tab_and_carriage_return_never_start_a_cell(lead, encoding):
    raw = export(lead + "=HYPERLINK(\"http://x\")", memo=lead + "@x", encoding=encoding)
    row = cells(raw, encoding)[1]
    assert row[2] == "'=HYPERLINK(\"http://x\")" and row[6] == "'@x"
    assert all(not c.startswith(("\t", "\r", "=", "+", "@")) for c in row)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_description_that_starts_with_a_quote_round_trips(encoding):
    raw = export("'ヤマダ", memo="''", encoding=encoding)
    row = cells(raw, encoding)[1]
    assert row[2] == "''ヤマダ" and row[6] == "'''"
    (back,) = parse(raw).rows
    assert (back.description, back.memo) == ("'ヤマダ", "''")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_negative_amounts_and_balances_stay_numbers(encoding):
    raw = export("=1+1", encoding=encoding, amount=-1080, balance=-51380)
    row = cells(raw, encoding)[1]
    assert row[:2] == ["2024/04/01", ""]
    assert row[3:6] == ["", "1080", "-51380"]  # no quote: a spreadsheet reads numbers
    (back,) = parse(raw).rows
    assert (back.amount, back.balance_after) == (-1080, -51380)


def test_other_layouts_keep_a_leading_quote():
    # Only our own files carry the guard: a bank's text that starts with ' is the bank's.
    raw = ("取引日,摘要,出金金額,入金金額,残高,メモ\r\n"
           "2024/04/01,'振込,,100,100,'メモ\r\n").encode("cp932")
    (back,) = parse(raw).rows
    assert (back.description, back.memo) == ("'振込", "'メモ")


@pytest.mark.parametrize("text", DANGEROUS + HARMLESS + ["'", "''", "'a"])
def test_restore_undoes_neutralise(text):
    assert restore(neutralise(text)) == text
    assert neutralise(text).startswith("'") == (text in DANGEROUS or text.startswith("'"))
