"""parse(): bytes of a bank statement file → rows oldest first, plus per-line errors."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Literal

from ..messages import N_
from .decoding import DEFAULT_MAX_BYTES, check_size, decode
from .errors import CsvFormatError, ValueFormatError
from .layouts import HEADER_SCAN_ROWS, Layout, find_layout
from .mapping import ColumnMapping
from .records import Record, iter_records, read_records
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
    source = open_file(raw, mapping, max_bytes=max_bytes)
    if source.zengin is not None:
        rows, errors = source.zengin
        return _finish(source.encoding, source.layout_name, None, rows, errors, [], None, policy)
    rows, errors, skipped = [], [], []
    for item in source.items:
        (rows if isinstance(item, ParsedRow) else skipped if isinstance(item, SkippedRow)
         else errors).append(item)
    return _finish(source.encoding, source.layout_name, source.mapping, rows, errors, skipped,
                   source.layout, policy)


@dataclass
class OpenFile:
    """A statement file recognised, its lines not read yet: `items` yields, in file order,
    a ParsedRow, RowError or SkippedRow per line. 全銀協 files are read whole (`zengin`):
    they are small, and one header too many refuses the whole file."""

    encoding: str
    layout_name: str
    mapping: ColumnMapping | None
    layout: Layout | None = None
    items: Iterator[ParsedRow | RowError | SkippedRow] = iter(())
    zengin: tuple[list[ParsedRow], list[RowError]] | None = None


def open_file(raw: bytes, mapping: ColumnMapping | None = None, *,
              max_bytes: int = DEFAULT_MAX_BYTES) -> OpenFile:
    """Decode and recognise a file (CsvFormatError when it cannot be read at all); its rows
    are read as `items` is consumed, so a large file is never held as rows."""
    if mapping is None and is_fixed(raw):
        check_size(raw, max_bytes)
        return OpenFile("jis8", "zengin", None, zengin=read_zengin(fixed_units(raw)))
    decoded = decode(raw, max_bytes=max_bytes)
    records = iter_records(decoded.text)
    wanted = max(HEADER_SCAN_ROWS, (mapping.header_row + 1) if mapping else 0)
    head = list(islice(records, wanted))
    while head and all(r.blank for r in head):  # is_csv looks at the first line with text
        more = list(islice(records, HEADER_SCAN_ROWS))
        if not more:
            break
        head += more
    layout: Layout | None = None
    if mapping is None and is_csv(head):
        # Small and read whole (see OpenFile): the rest of the records joins the head.
        everything = head + list(records)
        return OpenFile(decoded.encoding, "zengin_csv", None, zengin=read_zengin(csv_units(everything)))
    if mapping is None:
        layout = find_layout([r.cells for r in head])
        if layout is None:
            raise CsvFormatError(
                "unknown_layout",
                N_("この明細ファイルの形式を判別できませんでした。"
                   "列の対応付け（日付・摘要・金額・残高の列）を指定してください。"),
            )
        mapping = layout.mapping
    header = head[mapping.header_row].cells if 0 <= mapping.header_row < len(head) else None
    rules = TextRules(layout.guarded_text, layout.blank_memo) if layout else TextRules()
    body = chain(head[mapping.header_row + 1:], records)
    return OpenFile(decoded.encoding, layout.name if layout else CUSTOM_LAYOUT, mapping, layout,
                    read_items(body, mapping, header, rules))


def _finish(encoding, name, mapping, rows, errors, skipped, layout, policy) -> ParseResult:
    rows, turned = _oldest_first(rows, layout)
    if errors and policy == "all_or_nothing":
        rows = []
    return ParseResult(encoding, name, mapping, rows, errors, skipped, turned)


def read_items(
    records: Iterable[Record], mapping: ColumnMapping, header: tuple[str, ...] | None,
    rules: TextRules,
) -> Iterator[ParsedRow | RowError | SkippedRow]:
    for record in records:
        if record.blank:
            continue
        if record.cells == header:  # files joined from several downloads repeat it
            yield SkippedRow(record.line_no, N_("見出し行の繰り返しのため取り込みません"))
            continue
        try:
            yield to_row(record, mapping, rules)  # identical lines are all kept
        except NoAmount:
            yield SkippedRow(record.line_no, N_("金額のない行のため取り込みません"))
        except ValueFormatError as exc:
            yield RowError(record.line_no, exc.msgid, exc.params)


class Direction:
    """Whether rows ran newest first, decided as they stream past: the dates of the first and
    last row, and for a file of one day the running balance read both ways."""

    def __init__(self, layout: Layout | None):
        self.layout = layout
        self.first: ParsedRow | None = None
        self.last: ParsedRow | None = None
        self.count = 0
        # Consecutive pairs that both carry a balance, and whether the chain held for all of
        # them read forward (a then b) and backward (b then a).
        self.pairs = 0
        self.forward = self.backward = True

    def add(self, row: ParsedRow) -> None:
        a, b = self.last, row
        if a is not None and a.balance_after is not None and b.balance_after is not None:
            self.pairs += 1
            self.forward = self.forward and a.balance_after + b.amount == b.balance_after
            self.backward = self.backward and b.balance_after + a.amount == a.balance_after
        if self.first is None:
            self.first = row
        self.last = row
        self.count += 1

    def newest_first(self) -> bool:
        if self.count < 2:
            return False
        first, last = self.first.transaction_date, self.last.transaction_date
        hint = self.layout.newest_first if self.layout else None
        if first != last:
            return first > last
        if self.layout is not None and self.layout.order_known:
            return bool(hint)
        # One day only: the running balance tells the direction, else the bank's habit.
        forward, backward = self.pairs > 0 and self.forward, self.pairs > 0 and self.backward
        return backward if forward != backward else bool(hint)


def _oldest_first(rows: list[ParsedRow], layout: Layout | None) -> tuple[list, bool]:
    """Reverse newest-first files as a whole, so same-day rows stay in ledger order."""
    direction = Direction(layout)
    for row in rows:
        direction.add(row)
    return (rows[::-1], True) if direction.newest_first() else (rows, False)
