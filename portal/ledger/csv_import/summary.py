"""What a preview shows of a statement file, read in one pass.

The preview shows the first rows and counts everything else: rows per identity key (to tell
new from held), lines that cannot be read, rows outside a range. Only the rows shown and
the first unreadable lines are kept, so a file of 140,000 rows is never held as rows.
The counts are the ones parse() + rows_to_insert give for the same file.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from ..fingerprint import dedup_key
from .decoding import DEFAULT_MAX_BYTES
from .mapping import ColumnMapping
from .parser import Direction, open_file
from .rows import ParsedRow, RowError, SkippedRow

SHOWN_ROWS = 20
SHOWN_UNREADABLE = 100


@dataclass
class FileSummary:
    encoding: str
    layout_name: str
    mapping: ColumnMapping | None  # None for 全銀協 files
    shown: list[ParsedRow]  # the first rows, oldest first, whether counted or not
    rows: int = 0  # every row read
    counted: int = 0  # rows `inside` took (all of them without one)
    keys: Counter = field(default_factory=Counter)  # dedup_key → counted rows with it
    first: date | None = None  # dates of the first and last counted row, oldest first
    last: date | None = None
    lo: date | None = None  # earliest and latest date among the counted rows
    hi: date | None = None
    unreadable: list[RowError | SkippedRow] = field(default_factory=list)  # the first ones
    unreadable_count: int = 0
    reversed_order: bool = False

    @property
    def outside(self) -> int:
        return self.rows - self.counted

    @staticmethod
    def skipped(line: RowError | SkippedRow) -> bool:
        """Left out on purpose (no amount, a repeated header), not an error."""
        return isinstance(line, SkippedRow)


def summarise(raw: bytes, mapping: ColumnMapping | None = None, *,
              inside: Callable[[ParsedRow], bool] | None = None, keep: int = SHOWN_ROWS,
              keep_unreadable: int = SHOWN_UNREADABLE,
              max_bytes: int = DEFAULT_MAX_BYTES) -> FileSummary:
    """Read a file once (CsvFormatError as parse() raises it); `inside` picks the rows to
    count (the others are counted as outside)."""
    source = open_file(raw, mapping, max_bytes=max_bytes)
    items = source.items
    if source.zengin is not None:
        rows, errors = source.zengin
        items = [*rows, *errors]
    out = FileSummary(source.encoding, source.layout_name, source.mapping, [])
    direction = Direction(source.layout)
    head: list[ParsedRow] = []
    tail: deque[ParsedRow] = deque(maxlen=keep)
    first = last = None
    for item in items:
        if not isinstance(item, ParsedRow):
            out.unreadable_count += 1
            if len(out.unreadable) < keep_unreadable:
                out.unreadable.append(item)
            continue
        direction.add(item)
        out.rows += 1
        if len(head) < keep:
            head.append(item)
        tail.append(item)
        if inside is not None and not inside(item):
            continue
        out.counted += 1
        out.keys[dedup_key(item)] += 1
        day = item.transaction_date
        first = first or day
        last = day
        out.lo = day if out.lo is None else min(out.lo, day)
        out.hi = day if out.hi is None else max(out.hi, day)
    out.reversed_order = direction.newest_first()
    if out.reversed_order:  # the file's last rows are its oldest
        out.shown, out.first, out.last = list(tail)[::-1], last, first
    else:
        out.shown, out.first, out.last = head, first, last
    return out
