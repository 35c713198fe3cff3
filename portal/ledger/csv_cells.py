"""Text cells a spreadsheet will not run as formulas (CSV injection, CWE-1236).

OWASP's rule: a cell that starts with = + - @, a tab or a carriage return is prefixed with a
single quote, so Excel and LibreOffice show it as text. We look past leading whitespace and
quote characters too (a spreadsheet may trim them first), and at the full-width forms
(＝ ＋ － ＠), which Japanese input turns into formulas as readily.

A text that itself starts with a quote is prefixed as well, so the importer of our own files
removes exactly one leading quote from every prefixed cell and gets the text back unchanged.
"""
import unicodedata

PREFIX = "'"
_TRIGGERS = frozenset("=+-@\t\r")
_SKIPPED = frozenset(" \u3000\"'")  # looked past before deciding (whitespace, quotes)


def _first_significant(text: str) -> str:
    for ch in text:
        if ch not in _SKIPPED:
            return unicodedata.normalize("NFKC", ch)[:1]
    return ""


def needs_prefix(text: str) -> bool:
    return text.startswith(PREFIX) or _first_significant(text) in _TRIGGERS


def neutralise(text: str) -> str:
    """The cell as written: prefixed with ' when a spreadsheet could take it for a formula."""
    return PREFIX + text if needs_prefix(text) else text


def restore(cell: str) -> str:
    """The text our exporter wrote into a cell (the inverse of neutralise)."""
    return cell[len(PREFIX):] if cell.startswith(PREFIX) else cell
