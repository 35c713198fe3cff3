"""Bank statement files (CSV and 全銀協) → ParsedRow lists. Pure stdlib."""

from .decoding import DEFAULT_MAX_BYTES, DecodedText, decode
from .errors import CsvFormatError
from .guess import guess_mapping
from .layouts import Layout
from .mapping import ColumnMapping
from .parser import ParseResult, detect_layout, parse
from .rows import ParsedRow, RowError, SkippedRow
from .summary import FileSummary, summarise

__all__ = [
    "DEFAULT_MAX_BYTES",
    "ColumnMapping",
    "CsvFormatError",
    "DecodedText",
    "FileSummary",
    "Layout",
    "ParseResult",
    "ParsedRow",
    "RowError",
    "SkippedRow",
    "decode",
    "detect_layout",
    "guess_mapping",
    "parse",
    "summarise",
]
