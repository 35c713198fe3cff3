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
from collections.abc import Iterable, Iterator, Sequence
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


@lru_cache(maxsize=8192)
def _format_date(d: date | str | None) -> str:
    # Cached: a ledger has far fewer days than rows. Text is a date as SQLite's driver
    # gives it (YYYY-MM-DD), checked once per distinct day.
    if d is None:
        return ""
    if isinstance(d, str):
        d = date.fromisoformat(d)
    return f"{d.year:04d}/{d.month:02d}/{d.day:02d}"


@lru_cache(maxsize=65536)
def _text_cell(text: str, encoding: ExportEncoding) -> str:
    # Cached: a ledger repeats its descriptions (the shop, the payee) and its memos.
    return neutralise(export_description(text, encoding))


def export_csv(
    rows: Iterable[ExportRow], encoding: ExportEncoding = "utf-8-sig"
) -> Iterator[bytes]:
    """Yield the CSV as encoded byte chunks, header first; CRLF line endings."""
    return export_fields(((r.transaction_date, r.value_date, r.amount, r.description,
                           r.balance_after, r.memo) for r in rows), encoding)


def export_fields(
    rows: Iterable[Sequence], encoding: ExportEncoding = "utf-8-sig"
) -> Iterator[bytes]:
    """export_csv for rows given as sequences in ExportRow's field order (database rows,
    streamed as they come: no object per row; dates may be ISO text, as SQLite gives them)."""
    if encoding not in ("utf-8-sig", "cp932"):
        raise ValueError(f"unsupported export encoding {encoding!r}")
    return _encoded(rows, encoding)


def _encoded(rows: Iterable[Sequence], encoding: ExportEncoding) -> Iterator[bytes]:
    encoder = codecs.getincrementalencoder(encoding)()  # utf-8-sig writes the BOM once
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    day, text = _format_date, _text_cell
    chunk: list[tuple[str, ...]] = []
    for transaction_date, value_date, amount, description, balance, memo in rows:
        chunk.append((
            day(transaction_date), day(value_date) if value_date else "",
            text(description, encoding) if description else "",
            # A zero amount goes in 出金 as "0" so the row is not read back as "no amount".
            str(amount) if amount > 0 else "", str(-amount) if amount <= 0 else "",
            "" if balance is None else str(balance), text(memo, encoding) if memo else ""))
        if len(chunk) >= CHUNK_ROWS:
            writer.writerows(chunk)
            chunk.clear()
            yield encoder.encode(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
    writer.writerows(chunk)
    yield encoder.encode(buffer.getvalue(), final=True)
