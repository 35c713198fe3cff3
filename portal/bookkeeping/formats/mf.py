"""マネーフォワード クラウド会計 仕訳帳 import: header row (27 columns, A–AA), one row per entry.

UTF-8 (no BOM; MF offers its template in Shift_JIS or UTF-8, and UTF-8 carries every
character); CRLF; dates YYYY/MM/DD. 取引No numbers the entries of the file 1, 2, 3 … (MF
groups rows by it), so our entry_id is not carried. 税区分 names are MF's full names
(課税仕入 10%); the invoice distinction has its own column (借方/貸方インボイス: 適格,
80%控除, 50%控除), written only on a purchase side. Tags go in タグ separated by |.
Not carried: entry_id, kind, settlement_account (it is the bank side); 不課税 is written
as 対象外.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import count

from ..entry import EntryKind, Invoice, JournalEntry, Side
from ..tax_classes import TAX_CLASSES, TaxSide
from .common import (
    JournalFormatError,
    check_amount,
    join_tags,
    name_cell,
    slash_date,
    stream_csv,
    tax_amount_cell,
    text_cell,
)

ENCODING = "utf-8"
HEADER = (
    "取引No", "取引日",
    "借方勘定科目", "借方補助科目", "借方部門", "借方取引先", "借方税区分", "借方インボイス",
    "借方金額(円)", "借方税額",
    "貸方勘定科目", "貸方補助科目", "貸方部門", "貸方取引先", "貸方税区分", "貸方インボイス",
    "貸方金額(円)", "貸方税額",
    "摘要", "仕訳メモ", "タグ", "MF仕訳タイプ", "決算整理仕訳", "作成日時", "作成者",
    "最終更新日時", "最終更新者",
)
TAG_SEPARATOR, TAG_STAND_IN = "|", "｜"

TAX_NAMES = {
    "sales_10": "課税売上 10%",
    "sales_8_reduced": "課税売上 (軽)8%",
    "purchase_10": "課税仕入 10%",
    "purchase_8_reduced": "課税仕入 (軽)8%",
    "exempt_sales": "非課税売上",
    "exempt_purchase": "非課税仕入",
    "out_of_scope": "対象外",
    "non_taxable": "対象外",
}
INVOICE_NAMES = {
    Invoice.NONE: "",  # MF then applies 適格 by itself
    Invoice.QUALIFIED: "適格",
    Invoice.TRANSITIONAL_80: "80%控除",
    Invoice.TRANSITIONAL_50: "50%控除",
}


def tax_name(side: Side) -> str:
    return TAX_NAMES.get(side.tax_class, side.tax_class)


def invoice_name(side: Side) -> str:
    tax_class = TAX_CLASSES.get(side.tax_class)
    if tax_class is None or tax_class.side is not TaxSide.PURCHASE:
        return ""  # MF takes the column on 課税仕入 only
    return INVOICE_NAMES[side.invoice]


def _side_cells(entry: JournalEntry, side: Side, prefix: str, counterparty: str) -> list[str]:
    eid = entry.entry_id
    if not side.account_title:
        raise JournalFormatError(eid, f"{prefix}勘定科目", "the account title is empty")
    return [
        name_cell(side.account_title, eid, f"{prefix}勘定科目", cp932=False),
        name_cell(side.sub_account, eid, f"{prefix}補助科目", cp932=False),
        name_cell(side.department, eid, f"{prefix}部門", cp932=False),
        counterparty,
        name_cell(tax_name(side), eid, f"{prefix}税区分", cp932=False),
        invoice_name(side),
        check_amount(entry, f"{prefix}金額(円)", side.amount),
        tax_amount_cell(entry, f"{prefix}税額", side),
    ]


def row(entry: JournalEntry, number: int = 1) -> list[str]:
    counterparty = name_cell(entry.counterparty, entry.entry_id, "取引先", cp932=False)
    on_credit = entry.kind is EntryKind.INCOME  # 取引先 goes on the side that is not the bank
    return [
        str(number), slash_date(entry.date),
        *_side_cells(entry, entry.debit, "借方", "" if on_credit else counterparty),
        *_side_cells(entry, entry.credit, "貸方", counterparty if on_credit else ""),
        text_cell(entry.description, cp932=False),
        text_cell(entry.memo, cp932=False),
        join_tags(entry.tags, TAG_SEPARATOR, TAG_STAND_IN, cp932=False),
        "", "", "", "", "", "",
    ]


def check(entry: JournalEntry) -> None:
    row(entry)


def write(entries: Iterable[JournalEntry]) -> Iterator[bytes]:
    return stream_csv((row(e, n) for e, n in zip(entries, count(1))), ENCODING, HEADER)
