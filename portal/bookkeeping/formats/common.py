"""What every journal writer shares: cell cleaning, Shift_JIS handling, chunked CSV output.

Text rules, the same in every format so a round trip is predictable:
- control characters (line breaks, tabs) become one space and the cell is stripped: every
  importer reads one entry per line and most strip cells;
- every text cell goes through csv_cells.neutralise (a leading ' where a spreadsheet could
  run the cell as a formula); a reader removes exactly one leading ' again;
- for Shift_JIS (cp932) output two kinds of cell are told apart:
  * names the product matches against its own lists (勘定科目, 補助科目, 部門, 税区分,
    取引先, 口座): a character cp932 cannot carry raises UnencodableError before the
    entry's row is written, because a substituted name would silently book to a new or
    wrong account;
  * free text (摘要, メモ, タグ): each such character becomes its cp932 twin where the
    JIS and Microsoft tables differ (〜 → ～, − → －, …), else its NFKC form when that
    encodes, else 〓 (U+3013, the geta mark Japanese systems print for a missing glyph).
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from functools import lru_cache

from portal.ledger.csv_cells import needs_prefix, neutralise

from ..entry import EntryKind, JournalEntry, Side

CHUNK_ROWS = 500  # rows per yielded chunk: small enough to stream, big enough to be cheap
CP932_REPLACEMENT = "〓"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Characters that Shift_JIS (JIS X 0208) text commonly holds but that cp932 maps to a
# different code point: the reader of a cp932 file sees the right-hand one.
_CP932_TWINS = {
    "\u301c": "\uff5e",  # 〜 WAVE DASH → ～
    "\u2016": "\u2225",  # ‖ → ∥
    "\u2212": "\uff0d",  # − MINUS SIGN → －
    "\u00a2": "\uffe0",  # ¢ → ￠
    "\u00a3": "\uffe1",  # £ → ￡
    "\u00ac": "\uffe2",  # ¬ → ￢
    "\u2014": "\u2015",  # — EM DASH → ―
}


class JournalFormatError(ValueError):
    """An entry this format cannot write as it stands; raised before any of its bytes."""

    def __init__(self, entry_id: str, field: str, message: str):
        super().__init__(f"{entry_id}: {field}: {message}")
        self.entry_id = entry_id
        self.field = field


class UnencodableError(JournalFormatError):
    """A name (勘定科目, 取引先 …) holds a character the file's encoding cannot carry."""

    def __init__(self, entry_id: str, field: str, char: str):
        super().__init__(entry_id, field,
                         f"{char!r} (U+{ord(char):04X}) cannot be written in Shift_JIS (cp932)")
        self.char = char


def clean(text: str) -> str:
    return _CONTROL.sub(" ", text or "").strip()


@lru_cache(maxsize=4096)
def _cp932_round_trips(ch: str) -> bool:
    try:
        return ch.encode("cp932").decode("cp932") == ch
    except UnicodeEncodeError:
        return False


@lru_cache(maxsize=4096)
def _cp932_char(ch: str) -> str:
    if _cp932_round_trips(ch):
        return ch
    if ch in _CP932_TWINS:
        return _CP932_TWINS[ch]
    folded = unicodedata.normalize("NFKC", ch)
    if folded and not _CONTROL.search(folded) and all(_cp932_round_trips(c) for c in folded):
        return folded
    return CP932_REPLACEMENT


def cp932_text(text: str) -> str:
    """Free text as a cp932 file carries it (the substitution rule above)."""
    return "".join(_cp932_char(ch) for ch in text)


def cp932_name(text: str, entry_id: str, field: str) -> str:
    for ch in text:
        if not _cp932_round_trips(ch):
            raise UnencodableError(entry_id, field, ch)
    return text


def cp932_width(text: str) -> int:
    """半角桁: the width the Japanese products count (a double-byte character is 2)."""
    return len(text.encode("cp932"))


def truncate_width(text: str, limit: int) -> str:
    """The longest prefix at most `limit` half-width columns wide, cut between characters."""
    width = 0
    for i, ch in enumerate(text):
        width += len(ch.encode("cp932"))
        if width > limit:
            return text[:i]
    return text


def text_cell(text: str, *, cp932: bool, limit: int | None = None) -> str:
    """A free-text cell: cleaned, (cp932) substituted, (limit) truncated, neutralised.
    The ' prefix counts towards the limit, so the cell as written fits."""
    s = clean(text)
    if cp932:
        s = cp932_text(s)
    prefixed = needs_prefix(s)
    if limit is not None:
        s = truncate_width(s, limit - (1 if prefixed else 0))
    return "'" + s if prefixed else s


def name_cell(text: str, entry_id: str, field: str, *, cp932: bool,
              limit: int | None = None) -> str:
    """A name cell: cleaned, must encode, must fit (a cut name would book elsewhere)."""
    s = clean(text)
    if cp932:
        cp932_name(s, entry_id, field)
    cell = neutralise(s)
    if limit is not None and cp932_width(cell) > limit:
        raise JournalFormatError(entry_id, field, f"{s!r} is wider than {limit} half-width columns")
    return cell


@lru_cache(maxsize=8192)
def slash_date(d: date) -> str:
    return f"{d.year:04d}/{d.month:02d}/{d.day:02d}"


def account_name(side: Side) -> str:
    """The name a product knows a bank account by: its sub-account, else its title."""
    return side.sub_account or side.account_title


def other_side(entry: JournalEntry) -> Side:
    """The side that is not the bank account (the 売上 or 経費 side)."""
    return entry.credit if entry.kind is EntryKind.INCOME else entry.debit


def bank_side(entry: JournalEntry) -> Side:
    return entry.debit if entry.kind is EntryKind.INCOME else entry.credit


def check_amount(entry: JournalEntry, field: str, amount: int, max_digits: int | None = None) -> str:
    if amount < 0:
        raise JournalFormatError(entry.entry_id, field, f"negative amount {amount}")
    if max_digits is not None and amount >= 10 ** max_digits:
        raise JournalFormatError(entry.entry_id, field, f"{amount} has more than {max_digits} digits")
    return str(amount)


def tax_amount_cell(entry: JournalEntry, field: str, side: Side, max_digits: int | None = None) -> str:
    return "" if side.tax_amount is None else check_amount(entry, field, side.tax_amount, max_digits)


def join_tags(tags: Sequence[str], separator: str, stand_in: str, *, cp932: bool) -> str:
    """Tags in one cell. A separator inside a tag becomes `stand_in`, so the tag list
    reads back the same length; empty tags are dropped."""
    parts = [clean(t).replace(separator, stand_in) for t in tags]
    parts = [cp932_text(p) if cp932 else p for p in parts]
    return neutralise(separator.join(p for p in parts if p))


def stream_csv(rows: Iterable[Sequence[str]], encoding: str,
               header: Sequence[str] | None = None) -> Iterator[bytes]:
    """Encoded CSV chunks (CRLF, minimal quoting), one per CHUNK_ROWS rows: a generator, so
    the first chunk is out before the input is all read and no giant string is built."""
    encoder = codecs.getincrementalencoder(encoding)()  # utf-8-sig writes its BOM once
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    pending = 0
    for row in rows:
        writer.writerow(row)
        pending += 1
        if pending >= CHUNK_ROWS:
            yield encoder.encode(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield encoder.encode(buffer.getvalue(), final=True)


def rows_of(entries: Iterable[JournalEntry],
            row: Callable[[JournalEntry], list[str]]) -> Iterator[list[str]]:
    for entry in entries:
        yield row(entry)
