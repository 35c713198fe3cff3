"""Split decoded text into CSV records that remember their physical line number."""

from __future__ import annotations

import csv
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
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final line ending does not start another line
    reader = csv.reader((line + "\n" for line in lines), strict=False)
    records: list[Record] = []
    start = 1
    for cells in reader:
        records.append(Record(start, tuple(cells)))
        start = reader.line_num + 1
    return records
