"""A generic 仕訳帳 CSV any spreadsheet opens: UTF-8 with BOM (so Excel detects it), CRLF,
a Japanese header row, one row per entry, dates YYYY/MM/DD.

It carries every field of a JournalEntry: 税区分 as Tsunagu labels it (課対仕入10%; a
custom office code as it is), インボイス as 適格 / 経過措置80% / 経過措置50%, 取引区分 as
収入 / 支出 / 振替, tags separated by | (a | inside a tag becomes ｜). Text is cleaned as
in every format (line breaks become spaces) and formula-neutralised.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..entry import EntryKind, Invoice, JournalEntry, Side
from ..tax_classes import TAX_CLASSES
from .common import (
    check_amount,
    join_tags,
    name_cell,
    rows_of,
    slash_date,
    stream_csv,
    tax_amount_cell,
    text_cell,
)

ENCODING = "utf-8-sig"
HEADER = (
    "伝票番号", "日付", "取引区分",
    "借方勘定科目", "借方補助科目", "借方部門", "借方税区分", "借方インボイス", "借方金額", "借方税額",
    "貸方勘定科目", "貸方補助科目", "貸方部門", "貸方税区分", "貸方インボイス", "貸方金額", "貸方税額",
    "摘要", "取引先", "メモ", "タグ", "決済口座",
)
KIND_NAMES = {EntryKind.INCOME: "収入", EntryKind.EXPENSE: "支出", EntryKind.TRANSFER: "振替"}
INVOICE_NAMES = {
    Invoice.NONE: "",
    Invoice.QUALIFIED: "適格",
    Invoice.TRANSITIONAL_80: "経過措置80%",
    Invoice.TRANSITIONAL_50: "経過措置50%",
}
TAG_SEPARATOR, TAG_STAND_IN = "|", "｜"


def tax_name(side: Side) -> str:
    tax_class = TAX_CLASSES.get(side.tax_class)
    return tax_class.label if tax_class else side.tax_class


def _side_cells(entry: JournalEntry, side: Side, prefix: str) -> list[str]:
    eid = entry.entry_id
    return [
        name_cell(side.account_title, eid, f"{prefix}勘定科目", cp932=False),
        name_cell(side.sub_account, eid, f"{prefix}補助科目", cp932=False),
        name_cell(side.department, eid, f"{prefix}部門", cp932=False),
        name_cell(tax_name(side), eid, f"{prefix}税区分", cp932=False),
        INVOICE_NAMES[side.invoice],
        check_amount(entry, f"{prefix}金額", side.amount),
        tax_amount_cell(entry, f"{prefix}税額", side),
    ]


def row(entry: JournalEntry) -> list[str]:
    eid = entry.entry_id
    return [
        text_cell(eid, cp932=False), slash_date(entry.date), KIND_NAMES[entry.kind],
        *_side_cells(entry, entry.debit, "借方"),
        *_side_cells(entry, entry.credit, "貸方"),
        text_cell(entry.description, cp932=False),
        name_cell(entry.counterparty, eid, "取引先", cp932=False),
        text_cell(entry.memo, cp932=False),
        join_tags(entry.tags, TAG_SEPARATOR, TAG_STAND_IN, cp932=False),
        name_cell(entry.settlement_account, eid, "決済口座", cp932=False),
    ]


def check(entry: JournalEntry) -> None:
    row(entry)


def write(entries: Iterable[JournalEntry]) -> Iterator[bytes]:
    return stream_csv(rows_of(entries, row), ENCODING, HEADER)
