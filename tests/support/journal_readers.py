"""Read journal files back BY THE PUBLISHED LAYOUTS (docs/journal-formats.md), not through
the writers' code: column positions or headers, decoding, the formula-neutralisation quote
(one leading ' removed from every text cell) and the products' tax-class names are
implemented here again, so a test that writes and reads back checks the writer against
the specification.

What a format does not carry comes back as follows:
- read_yayoi: entry_id "", tags (), settlement_account and kind derived from which side is a
  bank account (a side whose sub-account or title is in `bank_accounts`: debit only →
  income, credit only → expense, both → transfer; none → income when the credit side is a
  sales class, else expense); settlement_account is the bank side's sub-account or title
  (the credit side of a transfer); 対象外 reads as out_of_scope (also for 不課税);
  counterparty from whichever 取引先名 column is filled.
- read_mf: the same as Yayoi, but entry_id is "" (取引No only numbers the file's rows).
- read_freee: memo ""; the bank side is Side(account_title=決済口座); the other side's
  sub-account is 品目; a plain 課対仕入 name reads as Invoice.QUALIFIED (freee's meaning).
- read_freee_transfers: debit Side(account_title=振替先口座), credit Side(振替元口座), the
  description from 備考, settlement_account = 振替元口座; nothing else.
- read_generic: everything.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection
from datetime import date

from portal.bookkeeping.entry import EntryKind, Invoice, JournalEntry, Side

_SALES = {"sales_10", "sales_8_reduced"}
_PURCHASE = {"purchase_10", "purchase_8_reduced"}


def _text(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def _date(cell: str) -> date:
    y, m, d = (int(p) for p in cell.split("/"))
    return date(y, m, d)


def _int_or_none(cell: str) -> int | None:
    return int(cell) if cell else None


def _rows(text: str) -> list[list[str]]:
    assert "\n" not in text.replace("\r\n", ""), "every line must end in CRLF"
    return list(csv.reader(io.StringIO(text, newline="")))


def _tags(cell: str, separator: str) -> tuple[str, ...]:
    cell = _text(cell)
    return tuple(cell.split(separator)) if cell else ()


def _derive_kind(debit: Side, credit: Side, bank_accounts: Collection[str]):
    def is_bank(side: Side) -> bool:
        return bool({side.sub_account, side.account_title} & set(bank_accounts))

    d, c = is_bank(debit), is_bank(credit)
    if d and c:
        kind = EntryKind.TRANSFER
    elif d or (not c and credit.tax_class in _SALES):
        kind = EntryKind.INCOME
    else:
        kind = EntryKind.EXPENSE
    bank = debit if kind is EntryKind.INCOME else credit
    return kind, bank.sub_account or bank.account_title


# ---- 弥生会計 -------------------------------------------------------------------------
_YAYOI_TAX = re.compile(r"^(課税売上込|課対仕入込)(軽減)?(10|8)%(適格|区分80%|区分50%)?$")
_YAYOI_INVOICE = {None: Invoice.NONE, "適格": Invoice.QUALIFIED,
                  "区分80%": Invoice.TRANSITIONAL_80, "区分50%": Invoice.TRANSITIONAL_50}
_YAYOI_PLAIN = {"非課売上": "exempt_sales", "非課仕入": "exempt_purchase", "対象外": "out_of_scope"}


def _yayoi_tax(name: str) -> tuple[str, Invoice]:
    m = _YAYOI_TAX.match(name)
    if m:
        kind = "sales" if m.group(1) == "課税売上込" else "purchase"
        key = f"{kind}_10" if m.group(3) == "10" else f"{kind}_8_reduced"
        return key, _YAYOI_INVOICE[m.group(4)]
    return _YAYOI_PLAIN.get(name, name), Invoice.NONE


def _yayoi_side(cells: list[str]) -> Side:
    title, sub, dept, tax, amount, tax_amount = cells
    tax_class, invoice = _yayoi_tax(_text(tax))
    return Side(_text(title), int(amount), _text(sub), _text(dept), tax_class,
                _int_or_none(tax_amount), invoice)


def read_yayoi(data: bytes, bank_accounts: Collection[str] = ()) -> list[JournalEntry]:
    entries = []
    for row in _rows(data.decode("cp932")):
        assert len(row) == 27, f"弥生インポート形式 rows have 27 columns, got {len(row)}"
        assert row[0] == "2000", f"識別フラグ {row[0]!r}"
        assert row[19] == "0" and row[22:25] == ["0", "0", "no"]
        debit, credit = _yayoi_side(row[4:10]), _yayoi_side(row[10:16])
        kind, settlement = _derive_kind(debit, credit, bank_accounts)
        entries.append(JournalEntry(
            entry_id="", date=_date(row[3]), kind=kind, debit=debit, credit=credit,
            description=_text(row[16]), counterparty=_text(row[25]) or _text(row[26]),
            memo=_text(row[21]), tags=(), settlement_account=settlement))
    return entries


# ---- freee会計 ------------------------------------------------------------------------
FREEE_DEALS_HEADER = [
    "収支区分", "管理番号", "発生日", "決済期日", "取引先コード", "取引先", "勘定科目", "税区分",
    "金額", "税計算区分", "税額", "備考", "品目", "部門", "メモタグ（複数指定可、カンマ区切り）",
    "セグメント1", "セグメント2", "セグメント3", "決済日", "決済口座", "決済金額",
]
FREEE_TRANSFERS_HEADER = ["振替日", "振替元口座", "振替先口座", "金額", "備考"]
_FREEE_TAX = re.compile(r"^(課税売上|課対仕入)(（控(80|50)）)?(10%|8%（軽）)$")
_FREEE_PLAIN = {"非課売上": "exempt_sales", "非課仕入": "exempt_purchase",
                "対象外": "out_of_scope", "不課税": "non_taxable"}


def _freee_tax(name: str) -> tuple[str, Invoice]:
    m = _FREEE_TAX.match(name)
    if m:
        kind = "sales" if m.group(1) == "課税売上" else "purchase"
        key = f"{kind}_10" if m.group(4) == "10%" else f"{kind}_8_reduced"
        if kind == "sales":
            return key, Invoice.NONE
        share = m.group(3)
        invoice = {None: Invoice.QUALIFIED, "80": Invoice.TRANSITIONAL_80,
                   "50": Invoice.TRANSITIONAL_50}[share]
        return key, invoice
    return _FREEE_PLAIN.get(name, name), Invoice.NONE


def read_freee(data: bytes) -> list[JournalEntry]:
    rows = _rows(data.decode("cp932"))
    assert rows[0] == FREEE_DEALS_HEADER
    entries = []
    for values in rows[1:]:
        r = dict(zip(rows[0], values, strict=True))
        kind = {"収入": EntryKind.INCOME, "支出": EntryKind.EXPENSE}[r["収支区分"]]
        assert r["決済日"] == r["発生日"] and r["決済金額"] == r["金額"]
        tax_class, invoice = _freee_tax(_text(r["税区分"]))
        amount = int(r["金額"])
        other = Side(_text(r["勘定科目"]), amount, _text(r["品目"]), _text(r["部門"]), tax_class,
                     _int_or_none(r["税額"]), invoice)
        settlement = _text(r["決済口座"])
        bank = Side(settlement, amount)
        debit, credit = (bank, other) if kind is EntryKind.INCOME else (other, bank)
        entries.append(JournalEntry(
            entry_id=_text(r["管理番号"]), date=_date(r["発生日"]), kind=kind, debit=debit,
            credit=credit, description=_text(r["備考"]), counterparty=_text(r["取引先"]),
            memo="", tags=_tags(r["メモタグ（複数指定可、カンマ区切り）"], ","),
            settlement_account=settlement))
    return entries


def read_freee_transfers(data: bytes) -> list[JournalEntry]:
    rows = _rows(data.decode("cp932"))
    assert rows[0] == FREEE_TRANSFERS_HEADER
    entries = []
    for values in rows[1:]:
        r = dict(zip(rows[0], values, strict=True))
        amount = int(r["金額"])
        source = _text(r["振替元口座"])
        entries.append(JournalEntry(
            entry_id="", date=_date(r["振替日"]), kind=EntryKind.TRANSFER,
            debit=Side(_text(r["振替先口座"]), amount), credit=Side(source, amount),
            description=_text(r["備考"]), settlement_account=source))
    return entries


# ---- マネーフォワード クラウド会計 ------------------------------------------------------
MF_HEADER = [
    "取引No", "取引日",
    "借方勘定科目", "借方補助科目", "借方部門", "借方取引先", "借方税区分", "借方インボイス",
    "借方金額(円)", "借方税額",
    "貸方勘定科目", "貸方補助科目", "貸方部門", "貸方取引先", "貸方税区分", "貸方インボイス",
    "貸方金額(円)", "貸方税額",
    "摘要", "仕訳メモ", "タグ", "MF仕訳タイプ", "決算整理仕訳", "作成日時", "作成者",
    "最終更新日時", "最終更新者",
]
_MF_TAX = {
    "課税売上 10%": "sales_10", "課税売上 (軽)8%": "sales_8_reduced",
    "課税仕入 10%": "purchase_10", "課税仕入 (軽)8%": "purchase_8_reduced",
    # MF's short names (省略名), which its own screens show
    "課売 10%": "sales_10", "課売 (軽)8%": "sales_8_reduced",
    "課仕 10%": "purchase_10", "課仕 (軽)8%": "purchase_8_reduced",
    "非課税売上": "exempt_sales", "非売": "exempt_sales",
    "非課税仕入": "exempt_purchase", "非仕": "exempt_purchase",
    "対象外": "out_of_scope",
}
_MF_INVOICE = {"": Invoice.NONE, "適格": Invoice.QUALIFIED,
               "80%控除": Invoice.TRANSITIONAL_80, "50%控除": Invoice.TRANSITIONAL_50}


def _mf_side(r: dict[str, str], p: str) -> Side:
    tax = _text(r[f"{p}税区分"])
    return Side(_text(r[f"{p}勘定科目"]), int(r[f"{p}金額(円)"]), _text(r[f"{p}補助科目"]),
                _text(r[f"{p}部門"]), _MF_TAX.get(tax, tax), _int_or_none(r[f"{p}税額"]),
                _MF_INVOICE[r[f"{p}インボイス"]])


def read_mf(data: bytes, bank_accounts: Collection[str] = ()) -> list[JournalEntry]:
    text = data.decode("utf-8")
    assert not text.startswith("\ufeff")
    rows = _rows(text)
    assert rows[0] == MF_HEADER
    entries = []
    for number, values in enumerate(rows[1:], 1):
        r = dict(zip(rows[0], values, strict=True))
        assert r["取引No"] == str(number), "取引No numbers the entries 1, 2, 3 …"
        debit, credit = _mf_side(r, "借方"), _mf_side(r, "貸方")
        kind, settlement = _derive_kind(debit, credit, bank_accounts)
        entries.append(JournalEntry(
            entry_id="", date=_date(r["取引日"]), kind=kind, debit=debit, credit=credit,
            description=_text(r["摘要"]),
            counterparty=_text(r["借方取引先"]) or _text(r["貸方取引先"]),
            memo=_text(r["仕訳メモ"]), tags=_tags(r["タグ"], "|"), settlement_account=settlement))
    return entries


# ---- generic 仕訳帳 CSV ----------------------------------------------------------------
GENERIC_HEADER = [
    "伝票番号", "日付", "取引区分",
    "借方勘定科目", "借方補助科目", "借方部門", "借方税区分", "借方インボイス", "借方金額", "借方税額",
    "貸方勘定科目", "貸方補助科目", "貸方部門", "貸方税区分", "貸方インボイス", "貸方金額", "貸方税額",
    "摘要", "取引先", "メモ", "タグ", "決済口座",
]
_GENERIC_TAX = {
    "課税売上10%": "sales_10", "課税売上8%(軽)": "sales_8_reduced",
    "課対仕入10%": "purchase_10", "課対仕入8%(軽)": "purchase_8_reduced",
    "非課税売上": "exempt_sales", "非課税仕入": "exempt_purchase",
    "対象外": "out_of_scope", "不課税": "non_taxable",
}
_GENERIC_INVOICE = {"": Invoice.NONE, "適格": Invoice.QUALIFIED,
                    "経過措置80%": Invoice.TRANSITIONAL_80, "経過措置50%": Invoice.TRANSITIONAL_50}


def _generic_side(r: dict[str, str], p: str) -> Side:
    tax = _text(r[f"{p}税区分"])
    return Side(_text(r[f"{p}勘定科目"]), int(r[f"{p}金額"]), _text(r[f"{p}補助科目"]),
                _text(r[f"{p}部門"]), _GENERIC_TAX.get(tax, tax), _int_or_none(r[f"{p}税額"]),
                _GENERIC_INVOICE[r[f"{p}インボイス"]])


def read_generic(data: bytes) -> list[JournalEntry]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    rows = _rows(data.decode("utf-8-sig"))
    assert rows[0] == GENERIC_HEADER
    entries = []
    for values in rows[1:]:
        r = dict(zip(rows[0], values, strict=True))
        entries.append(JournalEntry(
            entry_id=_text(r["伝票番号"]), date=_date(r["日付"]),
            kind={"収入": EntryKind.INCOME, "支出": EntryKind.EXPENSE,
                  "振替": EntryKind.TRANSFER}[r["取引区分"]],
            debit=_generic_side(r, "借方"), credit=_generic_side(r, "貸方"),
            description=_text(r["摘要"]), counterparty=_text(r["取引先"]), memo=_text(r["メモ"]),
            tags=_tags(r["タグ"], "|"), settlement_account=_text(r["決済口座"])))
    return entries


READERS = {
    "yayoi": read_yayoi,
    "freee": read_freee,
    "freee_transfers": read_freee_transfers,
    "mf": read_mf,
    "generic": read_generic,
}


# ---- what a written entry reads back as ------------------------------------------------
def expected_read_back(key: str, entry: JournalEntry) -> JournalEntry:
    """The entry as the reader of format `key` returns it after the writer wrote it: the
    losses listed above plus the writers' documented text rules (line breaks → spaces and
    strip; for cp932 the free-text substitution; 弥生 摘要 cut to 64 half-width columns;
    a tag separator inside a tag becomes its full-width twin). Assumes `entry` is shaped
    as a bank statement books: the bank side's sub-account or title is
    entry.settlement_account (the credit side for a transfer) and the sides' amounts match.
    """
    from dataclasses import replace

    from portal.bookkeeping.formats.common import (
        account_name,
        clean,
        cp932_text,
        truncate_width,
    )
    from portal.bookkeeping.tax_classes import TAX_CLASSES, TaxSide
    from portal.ledger.csv_cells import needs_prefix

    cp932 = key in ("yayoi", "freee", "freee_transfers")

    def text(s: str) -> str:
        s = clean(s)
        return cp932_text(s) if cp932 else s

    def tags(separator: str, stand_in: str) -> tuple[str, ...]:
        parts = (text(clean(t).replace(separator, stand_in)) for t in entry.tags)
        return tuple(p for p in parts if p)

    def purchase(side: Side) -> bool:
        c = TAX_CLASSES.get(side.tax_class)
        return c is not None and c.side is TaxSide.PURCHASE

    def collapse_non_taxable(side: Side) -> Side:
        # 弥生 and MF have no 不課税 of their own: written as 対象外
        side = replace(side, tax_class="out_of_scope") if side.tax_class == "non_taxable" else side
        return side if purchase(side) else replace(side, invoice=Invoice.NONE)

    if key == "generic":
        return replace(entry, description=text(entry.description), memo=text(entry.memo),
                       tags=tags("|", "｜"))
    if key in ("yayoi", "mf"):
        description = text(entry.description)
        if key == "yayoi":
            description = truncate_width(description, 64 - needs_prefix(description))
        return replace(entry, entry_id="", debit=collapse_non_taxable(entry.debit),
                       credit=collapse_non_taxable(entry.credit), description=description,
                       memo=text(entry.memo), tags=() if key == "yayoi" else tags("|", "｜"))
    if key == "freee":
        income = entry.kind is EntryKind.INCOME
        other = entry.credit if income else entry.debit
        if other.tax_class not in TAX_CLASSES:
            invoice = Invoice.NONE
        elif purchase(other):
            invoice = Invoice.QUALIFIED if other.invoice is Invoice.NONE else other.invoice
        else:
            invoice = Invoice.NONE
        other = replace(other, invoice=invoice)
        bank = Side(entry.settlement_account, other.amount)
        return replace(entry, debit=bank if income else other, credit=other if income else bank,
                       entry_id=text(entry.entry_id), description=text(entry.description),
                       memo="", tags=tags(",", "，"))
    if key == "freee_transfers":
        source = account_name(entry.credit)
        return JournalEntry(entry_id="", date=entry.date, kind=EntryKind.TRANSFER,
                            debit=Side(account_name(entry.debit), entry.debit.amount),
                            credit=Side(source, entry.debit.amount),
                            description=text(entry.description), settlement_account=source)
    raise KeyError(key)
