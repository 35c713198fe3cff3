"""弥生会計 仕訳日記帳 import (弥生インポート形式): one entry is one line with 識別フラグ 2000.

No header row; Shift_JIS (cp932); CRLF; dates YYYY/MM/DD. 27 columns: the 25 of the
published format (識別フラグ … 調整) and 借方取引先名, 貸方取引先名 that the invoice-era
products write after them. Column by column, and which details the vendor's pages
confirm, in docs/journal-formats.md.

Widths are counted in 半角桁 (a double-byte character is 2), as Yayoi counts them:
- 摘要 over 64: cut to 64 between characters (Yayoi itself cuts at import; we cut first so
  no double-byte character is split and the file says what Yayoi will keep);
- 勘定科目, 補助科目, 部門 over 24: JournalFormatError (a cut name books elsewhere);
- 金額, 税金額 over 9 digits: JournalFormatError.
Not carried: entry_id (伝票No. is Yayoi's own number), tags, settlement_account (it is the
bank side), kind; 不課税 is written as 対象外 (Yayoi has no separate class).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..entry import EntryKind, Invoice, JournalEntry, Side
from ..tax_classes import TAX_CLASSES, TaxSide
from .common import (
    JournalFormatError,
    check_amount,
    name_cell,
    rows_of,
    slash_date,
    stream_csv,
    tax_amount_cell,
    text_cell,
)

ENCODING = "cp932"
COLUMNS = (
    "識別フラグ", "伝票No.", "決算", "取引日付",
    "借方勘定科目", "借方補助科目", "借方部門", "借方税区分", "借方金額", "借方税金額",
    "貸方勘定科目", "貸方補助科目", "貸方部門", "貸方税区分", "貸方金額", "貸方税金額",
    "摘要", "番号", "期日", "タイプ", "生成元", "仕訳メモ", "付箋1", "付箋2", "調整",
    "借方取引先名", "貸方取引先名",
)
FLAG_ONE_LINE = "2000"
DESCRIPTION_WIDTH = 64
NAME_WIDTH = 24
AMOUNT_DIGITS = 9

# 税込経理 names ("込"); the invoice distinction is a suffix on purchase classes.
TAX_NAMES = {
    "sales_10": "課税売上込10%",
    "sales_8_reduced": "課税売上込軽減8%",
    "purchase_10": "課対仕入込10%",
    "purchase_8_reduced": "課対仕入込軽減8%",
    "exempt_sales": "非課売上",
    "exempt_purchase": "非課仕入",
    "out_of_scope": "対象外",
    "non_taxable": "対象外",
}
INVOICE_SUFFIX = {
    Invoice.NONE: "",
    Invoice.QUALIFIED: "適格",
    Invoice.TRANSITIONAL_80: "区分80%",
    Invoice.TRANSITIONAL_50: "区分50%",
}


def tax_name(side: Side) -> str:
    """The 税区分 as Yayoi prints it; a custom office code is written as it is."""
    base = TAX_NAMES.get(side.tax_class)
    if base is None:
        return side.tax_class
    purchase = TAX_CLASSES[side.tax_class].side is TaxSide.PURCHASE
    return base + (INVOICE_SUFFIX[side.invoice] if purchase else "")


def _side_cells(entry: JournalEntry, side: Side, prefix: str) -> list[str]:
    eid = entry.entry_id
    return [
        name_cell(side.account_title, eid, f"{prefix}勘定科目", cp932=True, limit=NAME_WIDTH),
        name_cell(side.sub_account, eid, f"{prefix}補助科目", cp932=True, limit=NAME_WIDTH),
        name_cell(side.department, eid, f"{prefix}部門", cp932=True, limit=NAME_WIDTH),
        name_cell(tax_name(side), eid, f"{prefix}税区分", cp932=True),
        check_amount(entry, f"{prefix}金額", side.amount, AMOUNT_DIGITS),
        tax_amount_cell(entry, f"{prefix}税金額", side, AMOUNT_DIGITS),
    ]


def row(entry: JournalEntry) -> list[str]:
    """The entry's line; raises JournalFormatError before anything of it is written."""
    if not entry.debit.account_title or not entry.credit.account_title:
        raise JournalFormatError(entry.entry_id, "勘定科目", "both sides need an account title")
    counterparty = name_cell(entry.counterparty, entry.entry_id, "取引先名", cp932=True)
    # 取引先 belongs to the side that is not the bank account (a transfer has none: debit).
    on_credit = entry.kind is EntryKind.INCOME
    return [
        FLAG_ONE_LINE, "", "", slash_date(entry.date),
        *_side_cells(entry, entry.debit, "借方"),
        *_side_cells(entry, entry.credit, "貸方"),
        text_cell(entry.description, cp932=True, limit=DESCRIPTION_WIDTH),
        "", "", "0", "", text_cell(entry.memo, cp932=True), "0", "0", "no",
        "" if on_credit else counterparty, counterparty if on_credit else "",
    ]


def check(entry: JournalEntry) -> None:
    row(entry)


def write(entries: Iterable[JournalEntry]) -> Iterator[bytes]:
    """The file as encoded chunks, no header."""
    return stream_csv(rows_of(entries, row), ENCODING)
