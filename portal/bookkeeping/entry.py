"""A journal entry (仕訳) as every journal-file format reads it: plain values, no database.

One entry is one 借方 (debit) side and one 貸方 (credit) side of the same amount: a bank
statement books as one line (入金: debit the bank account; 出金: credit it), and a transfer
between two of the office's own accounts (口座振替) as one line with a bank account on each
side."""
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class EntryKind(StrEnum):
    """What the statement was, for the formats that file entries by it (freee 収支区分)."""
    INCOME = "income"  # 入金: the bank account is the debit side
    EXPENSE = "expense"  # 出金: the bank account is the credit side
    TRANSFER = "transfer"  # 口座振替: both sides are the office's bank accounts


class Invoice(StrEnum):
    """インボイス制度: how a purchase's tax may be deducted (blank where it does not apply)."""
    NONE = ""  # not a purchase, or the format does not carry the distinction
    QUALIFIED = "qualified"  # 適格請求書 (全額控除)
    TRANSITIONAL_80 = "transitional_80"  # 区分記載請求書等 (経過措置 80%)
    TRANSITIONAL_50 = "transitional_50"  # 区分記載請求書等 (経過措置 50%)


@dataclass(frozen=True)
class Side:
    """One side of an entry. tax_class is a key of bookkeeping.tax_classes.TAX_CLASSES (or
    a custom office code); tax_amount is the tax included in amount (税込経理), or None."""
    account_title: str  # 勘定科目
    amount: int  # positive, yen
    sub_account: str = ""  # 補助科目
    department: str = ""  # 部門
    tax_class: str = "out_of_scope"
    tax_amount: int | None = None
    invoice: Invoice = Invoice.NONE


@dataclass(frozen=True)
class JournalEntry:
    entry_id: str  # ours, stable across exports (e.g. "TSU-000123")
    date: date  # 取引日付 / 発生日
    kind: EntryKind
    debit: Side  # 借方
    credit: Side  # 貸方
    description: str = ""  # 摘要 (the bank's text, or the user's)
    counterparty: str = ""  # 取引先
    memo: str = ""  # メモ / 備考
    tags: tuple[str, ...] = field(default_factory=tuple)
    # The bank account as the accounting product knows it (freee 決済口座 / 口座): the
    # bank side's sub-account, else its account title.
    settlement_account: str = ""
