"""Stream statements out as CSV that our own importer (layout "tsunagu") reads back.

Header: 取引日,起算日,摘要,入金,出金,残高,メモ; dates YYYY/MM/DD; amounts as bare digits.

Text rules (摘要 and メモ), so the round trip is predictable:
- control characters (line breaks, tabs) become one space, and the text is stripped,
  because the importer strips cells;
- for cp932, every character cp932 cannot hold (emoji, most accented Latin letters,
  and the few that cp932 would turn into a different character on the way back) is
  replaced by 〓 (U+3013, the geta mark Japanese systems use for "missing glyph").
  cp932 has it, so the replacement itself survives;
- a text a spreadsheet could run as a formula gets a leading ' (csv_cells), which our
  importer removes again; amounts, balances and dates are written by us and never are.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

from .csv_cells import neutralise

HEADER = ("取引日", "起算日", "摘要", "入金", "出金", "残高", "メモ")
CP932_REPLACEMENT = "〓"
CHUNK_ROWS = 500  # rows per yielded chunk: small enough to stream, big enough to be cheap

ExportEncoding = Literal["utf-8-sig", "cp932"]
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class ExportRow:
    transaction_date: date
    value_date: date | None
    amount: int  # signed yen
    description: str
    balance_after: int | None
    memo: str = ""


@lru_cache(maxsize=4096)
def _cp932_round_trips(ch: str) -> bool:
    try:
        return ch.encode("cp932").decode("cp932") == ch
    except UnicodeEncodeError:
        return False


def export_description(text: str, encoding: ExportEncoding) -> str:
    """The description (or memo) exactly as it will read back after export and parse()."""
    s = _CONTROL.sub(" ", text or "").strip()
    if encoding == "cp932":
        s = "".join(ch if _cp932_round_trips(ch) else CP932_REPLACEMENT for ch in s)
    return s


def _format_date(d: date | None) -> str:
    return "" if d is None else f"{d.year:04d}/{d.month:02d}/{d.day:02d}"


def _cells(row: ExportRow, encoding: ExportEncoding) -> list[str]:
    deposit = str(row.amount) if row.amount > 0 else ""
    # A zero amount goes in 出金 as "0" so the row is not read back as "no amount".
    withdrawal = str(-row.amount) if row.amount <= 0 else ""
    balance = "" if row.balance_after is None else str(row.balance_after)
    return [
        _format_date(row.transaction_date),
        _format_date(row.value_date),
        neutralise(export_description(row.description, encoding)),
        deposit,
        withdrawal,
        balance,
        neutralise(export_description(row.memo, encoding)),
    ]


def export_csv(
    rows: Iterable[ExportRow], encoding: ExportEncoding = "utf-8-sig"
) -> Iterator[bytes]:
    """Yield the CSV as encoded byte chunks, header first; CRLF line endings."""
    if encoding not in ("utf-8-sig", "cp932"):
        raise ValueError(f"unsupported export encoding {encoding!r}")
    encoder = codecs.getincrementalencoder(encoding)()  # utf-8-sig writes the BOM once
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    pending = 1
    for row in rows:
        writer.writerow(_cells(row, encoding))
        pending += 1
        if pending >= CHUNK_ROWS:
            yield encoder.encode(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield encoder.encode(buffer.getvalue(), final=True)
