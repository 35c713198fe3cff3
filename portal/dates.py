"""Time, in one place: stored times are aware UTC; days are Japan's (banks count in JST)."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


def utcnow() -> datetime:
    return datetime.now(UTC)


def today_jst() -> date:
    return datetime.now(JST).date()


def to_jst(value: datetime) -> datetime:
    if value.tzinfo is None:  # never stored so, but a naive value is UTC by convention
        value = value.replace(tzinfo=UTC)
    return value.astimezone(JST)


def months_back(day: date, months: int) -> date:
    """The first day of the month `months` before (banks publish history depth that way)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(y, m + 1, 1)
