"""Split decoded text into CSV records that remember their physical line number."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Record:
    line_no: int  # 1-based physical line where the record starts
    cells: tuple[str, ...]

    @property
    def blank(self) -> bool:
        return all(not c.strip() for c in self.cells)


def read_records(text: str) -> list[Record]:
    """csv.reader over "\\n"-separated text; quoted fields may span lines."""
    return list(iter_records(text))


def iter_records(text: str) -> Iterator[Record]:
    """read_records one record at a time: a large file is never held as a list of records."""
    # StringIO yields the lines without splitting the whole text into a list first.
    lines = (line if line.endswith("\n") else line + "\n" for line in io.StringIO(text, newline="\n"))
    reader = csv.reader(lines, strict=False)
    start = 1
    for cells in reader:
        yield Record(start, tuple(cells))
        start = reader.line_num + 1
