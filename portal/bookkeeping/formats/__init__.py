"""The journal-file formats Tsunagu writes, by key, for the UI to list and the export to pick.

A writer takes an iterable of JournalEntry and returns a generator of encoded byte chunks
(the file streams: nothing holds the whole export). An entry a format cannot write raises
JournalFormatError (UnencodableError for a name Shift_JIS cannot carry) before any of its
bytes; JournalFormat.check runs the same test alone, for a first pass before streaming.
Columns, encodings and tax-class names of each format: docs/journal-formats.md.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ...ledger.messages import N_
from ..entry import EntryKind, JournalEntry
from . import freee, generic, mf, yayoi
from .common import CP932_REPLACEMENT, JournalFormatError, UnencodableError

__all__ = [
    "CP932_REPLACEMENT", "FORMATS", "JournalFormat", "JournalFormatError", "UnencodableError",
    "get", "write_bytes",
]

_ALL_KINDS = frozenset(EntryKind)


@dataclass(frozen=True)
class JournalFormat:
    key: str
    label: str  # shown in the UI, translated there (a msgid)
    extension: str  # without the dot
    media_type: str
    encoding: str  # Python codec name
    has_header: bool
    kinds: frozenset[EntryKind]  # entries of another kind raise JournalFormatError
    writer: Callable[[Iterable[JournalEntry]], Iterator[bytes]]
    checker: Callable[[JournalEntry], None]

    def accepts(self, entry: JournalEntry) -> bool:
        return entry.kind in self.kinds

    def check(self, entry: JournalEntry) -> None:
        """Raise JournalFormatError if the entry cannot be written (nothing is written)."""
        self.checker(entry)

    def write(self, entries: Iterable[JournalEntry]) -> Iterator[bytes]:
        return self.writer(entries)

    def to_bytes(self, entries: Iterable[JournalEntry]) -> bytes:
        return b"".join(self.writer(entries))


FORMATS: dict[str, JournalFormat] = {f.key: f for f in (
    JournalFormat("yayoi", N_("弥生会計（仕訳日記帳・弥生インポート形式）"), "csv",
                  "text/csv; charset=Shift_JIS", yayoi.ENCODING, False, _ALL_KINDS,
                  yayoi.write, yayoi.check),
    JournalFormat("freee", N_("freee会計（取引インポート・収入/支出）"), "csv",
                  "text/csv; charset=Shift_JIS", freee.ENCODING, True,
                  frozenset({EntryKind.INCOME, EntryKind.EXPENSE}),
                  freee.write_deals, freee.check_deal),
    JournalFormat("freee_transfers", N_("freee会計（口座振替インポート）"), "csv",
                  "text/csv; charset=Shift_JIS", freee.ENCODING, True,
                  frozenset({EntryKind.TRANSFER}), freee.write_transfers, freee.check_transfer),
    JournalFormat("mf", N_("マネーフォワード クラウド会計（仕訳帳インポート）"), "csv",
                  "text/csv; charset=utf-8", mf.ENCODING, True, _ALL_KINDS, mf.write, mf.check),
    JournalFormat("generic", N_("汎用 仕訳帳CSV（Excel向け UTF-8）"), "csv",
                  "text/csv; charset=utf-8", generic.ENCODING, True, _ALL_KINDS,
                  generic.write, generic.check),
)}


def get(key: str) -> JournalFormat:
    """The format by key; KeyError names the keys there are."""
    try:
        return FORMATS[key]
    except KeyError:
        raise KeyError(f"unknown journal format {key!r} (known: {', '.join(FORMATS)})") from None


def write_bytes(key: str, entries: Iterable[JournalEntry]) -> bytes:
    """The whole file at once (tests, small exports); stream with get(key).write otherwise."""
    return get(key).to_bytes(entries)
