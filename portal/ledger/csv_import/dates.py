"""Dates as Japanese banks write them: western and 和暦, several separators."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from ..messages import N_
from .errors import ValueFormatError

# First day of each era; a 和暦 year n is (start year + n - 1).
ERAS: dict[str, date] = {
    "M": date(1868, 10, 23),
    "T": date(1912, 7, 30),
    "S": date(1926, 12, 25),
    "H": date(1989, 1, 8),
    "R": date(2019, 5, 1),
}
_ERA_NAMES = {"明治": "M", "大正": "T", "昭和": "S", "平成": "H", "令和": "R"}

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"  # a trailing time is tolerated and dropped
_WESTERN_SEP = re.compile(r"(\d{4})([/\-.])(\d{1,2})\2(\d{1,2})" + _TIME)
_WESTERN_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_WESTERN_KANJI = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_ERA_LETTER = re.compile(r"([MTSHR])(\d{1,2})([/\-.])(\d{1,2})\3(\d{1,2})", re.IGNORECASE)
_ERA_KANJI = re.compile(r"(明治|大正|昭和|平成|令和)(\d{1,2}|元)年(\d{1,2})月(\d{1,2})日")


def parse_date(text: str, date_format: str | None = None) -> date:
    """Read one date cell. `date_format` (strptime) is used when a mapping fixes one."""
    s = unicodedata.normalize("NFKC", text or "").strip()
    s = re.sub(r"\s+", "", s) if "年" in s else s  # "平成 30 年 07 月 22 日"
    if not s:
        raise ValueFormatError(N_("日付が空です"))
    if date_format:
        try:
            return datetime.strptime(s, date_format).date()
        except ValueError:
            raise _bad(text) from None
    try:
        return _parse_auto(s)
    except ValueError:
        raise _bad(text) from None


def _parse_auto(s: str) -> date:
    if m := _WESTERN_SEP.fullmatch(s):
        return date(int(m[1]), int(m[3]), int(m[4]))
    if m := _WESTERN_COMPACT.fullmatch(s):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := _WESTERN_KANJI.fullmatch(s):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := _ERA_LETTER.fullmatch(s):
        return era_date(m[1].upper(), int(m[2]), int(m[4]), int(m[5]))
    if m := _ERA_KANJI.fullmatch(s):
        year = 1 if m[2] == "元" else int(m[2])
        return era_date(_ERA_NAMES[m[1]], year, int(m[3]), int(m[4]))
    raise ValueError(s)


def era_date(era: str, year: int, month: int, day: int) -> date:
    """和暦 → date. H31.04.30 and R01.05.01 are both fine; R01.04.30 is not."""
    start = ERAS[era]
    if year < 1:
        raise ValueError("era year")
    d = date(start.year + year - 1, month, day)
    if d < start:
        raise ValueError("before era start")
    return d


def _bad(text: str) -> ValueFormatError:
    return ValueFormatError(N_("日付を読み取れません:「%(text)s」"), {"text": text})
