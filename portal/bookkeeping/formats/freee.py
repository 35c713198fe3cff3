"""freee会計: 取引 import (income and expense entries) and 口座振替 import (transfers).

freee files them apart, so these are two formats; each refuses the other's entries with
JournalFormatError (the export service picks with JournalFormat.accepts).

取引: header row; Shift_JIS (cp932); CRLF; dates YYYY/MM/DD. One row per entry: the side
that is not the bank account gives 勘定科目, 税区分, 部門 and (for want of 補助科目 in a
freee 取引) 品目; the bank account is 決済口座, settled on 発生日 for the whole amount.
freee carries the invoice distinction inside the 税区分 name (課対仕入（控80）10%).
Not carried: memo, the bank side's account title and sub-account (freee knows only the
口座), the other side's sub-account except as 品目.

口座振替: header 振替日, 振替元口座 (the credit side: money leaves it), 振替先口座 (the
debit side), 金額, 備考 (摘要). Nothing else is carried.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..entry import EntryKind, Invoice, JournalEntry, Side
from ..tax_classes import TAX_CLASSES, TaxSide
from .common import (
    JournalFormatError,
    account_name,
    check_amount,
    join_tags,
    name_cell,
    other_side,
    rows_of,
    slash_date,
    stream_csv,
    tax_amount_cell,
    text_cell,
)

ENCODING = "cp932"
DEALS_HEADER = (
    "収支区分", "管理番号", "発生日", "決済期日", "取引先コード", "取引先", "勘定科目", "税区分",
    "金額", "税計算区分", "税額", "備考", "品目", "部門", "メモタグ（複数指定可、カンマ区切り）",
    "セグメント1", "セグメント2", "セグメント3", "決済日", "決済口座", "決済金額",
)
TRANSFERS_HEADER = ("振替日", "振替元口座", "振替先口座", "金額", "備考")
KIND_NAMES = {EntryKind.INCOME: "収入", EntryKind.EXPENSE: "支出"}
TAG_SEPARATOR, TAG_STAND_IN = ",", "，"  # freee splits メモタグ at commas

TAX_NAMES = {
    "sales_10": "課税売上10%",
    "sales_8_reduced": "課税売上8%（軽）",
    "purchase_10": "課対仕入10%",
    "purchase_8_reduced": "課対仕入8%（軽）",
    "exempt_sales": "非課売上",
    "exempt_purchase": "非課仕入",
    "out_of_scope": "対象外",
    "non_taxable": "不課税",
}
# 経過措置 purchases: the deduction share goes after 課対仕入 (適格 is the plain name).
TRANSITIONAL_MARK = {Invoice.TRANSITIONAL_80: "（控80）", Invoice.TRANSITIONAL_50: "（控50）"}


def tax_name(side: Side) -> str:
    name = TAX_NAMES.get(side.tax_class)
    if name is None:
        return side.tax_class
    mark = TRANSITIONAL_MARK.get(side.invoice)
    if mark and TAX_CLASSES[side.tax_class].side is TaxSide.PURCHASE:
        name = name.replace("課対仕入", "課対仕入" + mark, 1)
    return name


def deal_row(entry: JournalEntry) -> list[str]:
    eid = entry.entry_id
    kind = KIND_NAMES.get(entry.kind)
    if kind is None:
        raise JournalFormatError(eid, "収支区分", "a transfer goes in the 口座振替 file")
    if not entry.settlement_account:
        # Without 決済口座 freee books an unsettled 取引 (未決済), not a bank movement.
        raise JournalFormatError(eid, "決済口座", "settlement_account is empty")
    side = other_side(entry)
    if not side.account_title:
        raise JournalFormatError(eid, "勘定科目", "the account title is empty")
    tax_class = TAX_CLASSES.get(side.tax_class)
    amount = check_amount(entry, "金額", side.amount)
    return [
        kind, text_cell(eid, cp932=True), slash_date(entry.date), "", "",
        name_cell(entry.counterparty, eid, "取引先", cp932=True),
        name_cell(side.account_title, eid, "勘定科目", cp932=True),
        name_cell(tax_name(side), eid, "税区分", cp932=True),
        amount,
        "内税" if tax_class is not None and tax_class.rate_percent else "",  # 税込 amounts
        tax_amount_cell(entry, "税額", side),
        text_cell(entry.description, cp932=True),
        name_cell(side.sub_account, eid, "品目", cp932=True),
        name_cell(side.department, eid, "部門", cp932=True),
        join_tags(entry.tags, TAG_SEPARATOR, TAG_STAND_IN, cp932=True),
        "", "", "",
        slash_date(entry.date),
        name_cell(entry.settlement_account, eid, "決済口座", cp932=True),
        amount,
    ]


def transfer_row(entry: JournalEntry) -> list[str]:
    eid = entry.entry_id
    if entry.kind is not EntryKind.TRANSFER:
        raise JournalFormatError(eid, "振替", "an income or expense goes in the 取引 file")
    source, target = account_name(entry.credit), account_name(entry.debit)
    if not source or not target:
        raise JournalFormatError(eid, "口座", "both accounts of a transfer need a name")
    return [
        slash_date(entry.date),
        name_cell(source, eid, "振替元口座", cp932=True),
        name_cell(target, eid, "振替先口座", cp932=True),
        check_amount(entry, "金額", entry.debit.amount),
        text_cell(entry.description, cp932=True),
    ]


def check_deal(entry: JournalEntry) -> None:
    deal_row(entry)


def check_transfer(entry: JournalEntry) -> None:
    transfer_row(entry)


def write_deals(entries: Iterable[JournalEntry]) -> Iterator[bytes]:
    return stream_csv(rows_of(entries, deal_row), ENCODING, DEALS_HEADER)


def write_transfers(entries: Iterable[JournalEntry]) -> Iterator[bytes]:
    return stream_csv(rows_of(entries, transfer_row), ENCODING, TRANSFERS_HEADER)
