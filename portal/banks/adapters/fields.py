"""Strict readers for decoded bank JSON: every failure is a BadBankResponse naming the field.

`where` is a path such as "transactions[3].amount", so a log line says what was wrong
without quoting the body.
"""
import re
from datetime import date, time
from decimal import Decimal, InvalidOperation

from ..errors import BadBankResponse

_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)  # no exponents, no unicode digits
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_TIME = re.compile(r"[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?",
                   re.ASCII)
MAX_DIGITS = 30  # far beyond any balance; stops absurd numbers before Decimal sees them
_DAYS: dict[str, date] = {}  # dates already read and checked, by their text
_DAYS_KEPT = 4096


def bad(where: str, problem: str) -> BadBankResponse:
    return BadBankResponse(f"bank response field {where}: {problem}")


def obj(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise bad(where, "not an object")
    return value


def items(data: dict, key: str, where: str = "") -> list[dict]:
    """A required list of objects."""
    path = f"{where}.{key}" if where else key
    value = data.get(key)
    if not isinstance(value, list):
        raise bad(path, "missing or not a list")
    return [obj(item, f"{path}[{i}]") for i, item in enumerate(value)]


def text(data: dict, key: str, where: str, *, default: str | None = None) -> str:
    """A string field; numbers are accepted as text (ids sometimes arrive as numbers)."""
    value = data.get(key)
    if type(value) is str:  # the common case first: a sync reads several per statement
        return value
    if value is None:
        if default is None:
            raise bad(f"{where}.{key}", "missing")
        return default
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise bad(f"{where}.{key}", "not a string")
    return str(value)


def amount(data: dict, key: str, where: str, *, required: bool = True) -> Decimal | None:
    """A decimal from a JSON string ("1000") or, leniently, a JSON number."""
    value = data.get(key)
    # The common cases first, taken exactly as the checks below would take them: plain
    # ASCII digits (str.isdigit alone would pass other scripts' digits), then the pattern.
    if type(value) is str and len(value) <= MAX_DIGITS + 2 and (
            (value.isdigit() and value.isascii()) or _NUMBER.fullmatch(value)):
        return Decimal(value)
    path = f"{where}.{key}"
    if value is None:
        if required:
            raise bad(path, "missing")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise bad(path, "not a number")
    if isinstance(value, int):
        if abs(value) >= 10**MAX_DIGITS:
            raise bad(path, "number out of range")
        return Decimal(value)
    raw = repr(value) if isinstance(value, float) else value.strip()
    if len(raw) > MAX_DIGITS + 2 or not _NUMBER.fullmatch(raw):
        raise bad(path, "not a decimal number")
    try:
        return Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern already guarantees a number
        raise bad(path, "not a decimal number") from None


def day(data: dict, key: str, where: str, *, required: bool = True) -> date | None:
    value = data.get(key)
    known = _DAYS.get(value) if type(value) is str else None
    if known is not None:  # a page's rows share a few days: each is checked once
        return known
    path = f"{where}.{key}"
    if value is None and not required:
        return None
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise bad(path, "missing or not a YYYY-MM-DD date")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise bad(path, "not a valid date") from None
    if len(_DAYS) >= _DAYS_KEPT:
        _DAYS.clear()
    _DAYS[value] = parsed
    return parsed


def clock(data: dict, key: str, where: str) -> time | None:
    """An optional time of day such as "10:15:00+09:00"."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise bad(f"{where}.{key}", "not a HH:MM:SS time")
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise bad(f"{where}.{key}", "not a valid time") from None


def flag(data: dict, key: str, where: str, *, default: bool | None = None) -> bool:
    """A boolean that banks send as true/false or "true"/"false" or "1"/"0"."""
    value = data.get(key)
    if value is None and default is not None:
        return default
    if isinstance(value, bool):
        return value
    if value in ("true", "1", 1):
        return True
    if value in ("false", "0", 0):
        return False
    raise bad(f"{where}.{key}", "missing or not a boolean")
