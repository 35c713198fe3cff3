"""Turn one CSV record into a ParsedRow under a ColumnMapping."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..csv_cells import restore
from ..messages import N_, ja
from .amounts import parse_amount
from .dates import parse_date
from .errors import ValueFormatError
from .mapping import ColumnMapping
from .records import Record


@dataclass(frozen=True)
class ParsedRow:
    line_no: int  # 1-based physical line in the file
    transaction_date: date
    value_date: date | None
    amount: int  # signed yen: + deposit, − withdrawal
    description: str  # as written (extra description columns joined with a space)
    balance_after: int | None
    raw_cells: tuple[str, ...]
    memo: str = ""  # the file's メモ column, when it has one


@dataclass(frozen=True)
class _LineMessage:
    """A message about one line: msgid (Japanese, %(name)s placeholders) and its params."""

    line_no: int  # 1-based physical line in the file
    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def message_ja(self) -> str:
        return ja(self.msgid, self.params)


class RowError(_LineMessage):
    """A line that cannot be read."""


class SkippedRow(_LineMessage):
    """A line left out on purpose (no amount at all), reported so nothing vanishes silently."""


class NoAmount(Exception):
    """Both amount cells empty: SMBC's balance-only last line, みずほ note rows."""


def cell(cells: tuple[str, ...], col: int | None) -> str:
    if col is None or col >= len(cells):
        return ""
    return cells[col].strip()


def row_amount(cells: tuple[str, ...], m: ColumnMapping) -> int:
    if m.signed_amount_col is not None:
        signed = parse_amount(cell(cells, m.signed_amount_col))
        if signed is None:
            raise NoAmount
        return signed
    deposit = parse_amount(cell(cells, m.deposit_col))
    withdrawal = parse_amount(cell(cells, m.withdrawal_col))
    if deposit is None and withdrawal is None:
        raise NoAmount
    # A zero in the unused column is padding, not a second amount.
    if deposit and withdrawal:
        raise ValueFormatError(N_("入金と出金の両方に金額があります"))
    return (deposit or 0) - (withdrawal or 0)


def row_date(cells: tuple[str, ...], m: ColumnMapping) -> date:
    if m.date_part_cols is None:
        return parse_date(cell(cells, m.date_col), m.date_format)
    y, mo, d = (cell(cells, c) for c in m.date_part_cols)
    try:
        return date(int(y), int(mo), int(d))
    except ValueError:
        raise ValueFormatError(N_("日付を読み取れません:「%(text)s」"), {"text": f"{y}/{mo}/{d}"}) from None


@dataclass(frozen=True)
class TextRules:
    """How a layout writes its text cells."""

    guarded: bool = False  # our own export: a formula guard's leading ' to take off
    blank_memo: tuple[str, ...] = ()  # what stands for "no memo" (住信SBI writes "-")

    def text(self, value: str) -> str:
        return restore(value) if self.guarded else value

    def memo(self, value: str) -> str:
        return "" if value in self.blank_memo else self.text(value)


def to_row(record: Record, m: ColumnMapping, rules: TextRules = TextRules()) -> ParsedRow:
    """Raises NoAmount (skip) or ValueFormatError (row error)."""
    cells = record.cells
    amount = row_amount(cells, m)
    when = row_date(cells, m)
    value_text = cell(cells, m.value_date_col)
    value_date = parse_date(value_text, m.date_format) if value_text else None
    try:
        balance = parse_amount(cell(cells, m.balance_col))
    except ValueFormatError as exc:
        raise ValueFormatError(N_("残高を読み取れません:「%(text)s」"), exc.params) from None
    parts = [cell(cells, m.description_col)]
    parts += [cell(cells, c) for c in m.description_extra_cols]
    description = " ".join(rules.text(p) for p in parts if p)
    memo = rules.memo(cell(cells, m.memo_col))
    return ParsedRow(record.line_no, when, value_date, amount, description, balance, cells, memo)
