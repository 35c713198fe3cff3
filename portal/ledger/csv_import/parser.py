"""parse(): bytes of a bank statement file → rows oldest first, plus per-line errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..messages import N_
from .decoding import DEFAULT_MAX_BYTES, check_size, decode
from .errors import CsvFormatError, ValueFormatError
from .layouts import Layout, find_layout
from .mapping import ColumnMapping
from .records import Record, read_records
from .rows import NoAmount, ParsedRow, RowError, SkippedRow, TextRules, to_row
from .zengin import csv_units, fixed_units, is_csv, is_fixed, read_zengin

Policy = Literal["keep_good", "all_or_nothing"]
CUSTOM_LAYOUT = "custom"


@dataclass(frozen=True)
class ParseResult:
    encoding: str
    layout_name: str
    mapping: ColumnMapping | None  # None for 全銀協 files, whose layout is fixed
    rows: list[ParsedRow]
    errors: list[RowError]
    skipped: list[SkippedRow] = field(default_factory=list)
    reversed_order: bool = False  # the file ran newest first and was turned round

    @property
    def unreadable(self) -> list:
        """Every line not taken as a statement, errors and lines with no amount (a balance-only
        line) alike, in file order: what the user sees counted as 読み取れない行."""
        return sorted([*self.errors, *self.skipped], key=lambda m: m.line_no)


def detect_layout(text: str) -> Layout | None:
    """Find the header row (skipping any preamble) of a known layout in decoded text."""
    return find_layout([r.cells for r in read_records(text)])


def parse(
    raw: bytes,
    mapping: ColumnMapping | None = None,
    *,
    policy: Policy = "keep_good",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParseResult:
    """Read a statement file. With no mapping the layout must be recognised."""
    if policy not in ("keep_good", "all_or_nothing"):
        raise ValueError(f"unknown policy {policy!r}")
    if mapping is None and is_fixed(raw):
        check_size(raw, max_bytes)
        rows, errors = read_zengin(fixed_units(raw))
        return _finish("jis8", "zengin", None, rows, errors, [], None, policy)
    decoded = decode(raw, max_bytes=max_bytes)
    records = read_records(decoded.text)
    layout: Layout | None = None
    if mapping is None and is_csv(records):
        rows, errors = read_zengin(csv_units(records))
        return _finish(decoded.encoding, "zengin_csv", None, rows, errors, [], None, policy)
    if mapping is None:
        layout = find_layout([r.cells for r in records])
        if layout is None:
            raise CsvFormatError(
                "unknown_layout",
                N_("この明細ファイルの形式を判別できませんでした。"
                   "列の対応付け（日付・摘要・金額・残高の列）を指定してください。"),
            )
        mapping = layout.mapping
    header = records[mapping.header_row].cells if 0 <= mapping.header_row < len(records) else None
    rules = TextRules(layout.guarded_text, layout.blank_memo) if layout else TextRules()
    rows, errors, skipped = _read_rows(records[mapping.header_row + 1 :], mapping, header, rules)
    name = layout.name if layout else CUSTOM_LAYOUT
    return _finish(decoded.encoding, name, mapping, rows, errors, skipped, layout, policy)


def _finish(encoding, name, mapping, rows, errors, skipped, layout, policy) -> ParseResult:
    rows, turned = _oldest_first(rows, layout)
    if errors and policy == "all_or_nothing":
        rows = []
    return ParseResult(encoding, name, mapping, rows, errors, skipped, turned)


def _read_rows(
    records: Sequence[Record], mapping: ColumnMapping, header: tuple[str, ...] | None,
    rules: TextRules,
) -> tuple[list[ParsedRow], list[RowError], list[SkippedRow]]:
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    skipped: list[SkippedRow] = []
    for record in records:
        if record.blank:
            continue
        if record.cells == header:  # files joined from several downloads repeat it
            skipped.append(SkippedRow(record.line_no, N_("見出し行の繰り返しのため取り込みません")))
            continue
        try:
            rows.append(to_row(record, mapping, rules))  # identical lines are all kept
        except NoAmount:
            skipped.append(SkippedRow(record.line_no, N_("金額のない行のため取り込みません")))
        except ValueFormatError as exc:
            errors.append(RowError(record.line_no, exc.msgid, exc.params))
    return rows, errors, skipped


def _oldest_first(rows: list[ParsedRow], layout: Layout | None) -> tuple[list, bool]:
    """Reverse newest-first files as a whole, so same-day rows stay in ledger order."""
    if len(rows) < 2:
        return rows, False
    first, last = rows[0].transaction_date, rows[-1].transaction_date
    newest_first_hint = layout.newest_first if layout else None
    if first != last:
        newest_first = first > last
    elif layout is not None and layout.order_known:
        newest_first = bool(newest_first_hint)
    else:
        # One day only: the running balance tells the direction, else the bank's habit.
        forward, backward = _chain_holds(rows), _chain_holds(rows[::-1])
        newest_first = backward if forward != backward else bool(newest_first_hint)
    return (rows[::-1], True) if newest_first else (rows, False)


def _chain_holds(rows: list[ParsedRow]) -> bool:
    pairs = zip(rows, rows[1:], strict=False)
    checked = [
        (a.balance_after + b.amount == b.balance_after)
        for a, b in pairs
        if a.balance_after is not None and b.balance_after is not None
    ]
    return bool(checked) and all(checked)
