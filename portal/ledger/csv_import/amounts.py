"""Yen amounts as Japanese banks write them."""

from __future__ import annotations

import re
import unicodedata

from ..messages import N_
from .errors import ValueFormatError

# Marks that mean "negative": ASCII minus (also what NFKC makes of U+FF0D), the
# minus sign, and the accounting triangles △/▲ used for overdrawn balances.
_NEGATIVE = ("-", "−", "△", "▲")
# "-" alone (みずほ) and similar placeholders mean "no amount".
_EMPTY = {"", "-", "−", "―", "ー", "‐", "*"}
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_ZERO_FRACTION = re.compile(r"\.0+")
# What most cells are: ASCII digits with at most a sign; read without the slow path below.
_PLAIN = re.compile(r"[+-]?[0-9]+")


def parse_amount(text: str | None) -> int | None:
    """Read one amount cell as signed integer yen; None when the cell is empty."""
    if text and _PLAIN.fullmatch(text):
        return int(text)
    s = unicodedata.normalize("NFKC", text or "")
    s = re.sub(r"\s+", "", s)
    if s in _EMPTY:
        return None
    negative = False
    if s.startswith(("(", "（")) and s.endswith((")", "）")):  # accounting "(1,000)"
        negative, s = True, s[1:-1]
    if s.startswith(_NEGATIVE):
        negative, s = True, s[1:]
    elif s.startswith("+"):
        s = s[1:]
    # ¥ (NFKC of ￥), a backslash (0x5C decoded as cp932 is "\\"), and 円 are units.
    unit = s[:1] in ("¥", "\\")
    s = s[1:] if unit else s
    s = s.removesuffix("円")
    if unit and not negative and s.startswith(_NEGATIVE):  # "¥-1,000"
        negative, s = True, s[1:]
    whole, dot, fraction = s.partition(".")
    if not _NUMBER.fullmatch(whole) or (dot and not _ZERO_FRACTION.fullmatch(dot + fraction)):
        raise ValueFormatError(N_("金額を読み取れません:「%(text)s」"), {"text": text})
    value = int(whole.replace(",", ""))
    return -value if negative else value
