"""Japan time helpers: every date the bank shows is a JST date."""

from __future__ import annotations

import datetime as dt

# JST has no daylight saving time, so a fixed offset is exact and needs no tz database.
JST = dt.timezone(dt.timedelta(hours=9), "JST")


def now() -> dt.datetime:
    return dt.datetime.now(JST)


def today() -> dt.date:
    return now().date()


def base_date_time(moment: dt.datetime | None = None) -> tuple[str, str]:
    """The (baseDate, baseTime) pair of a response, e.g. ("2025-01-31", "09:30:00+09:00")."""
    moment = moment or now()
    return moment.date().isoformat(), moment.strftime("%H:%M:%S") + "+09:00"


def months_back_first(day: dt.date, months: int) -> dt.date:
    """First day of the month `months` before `day`'s month (history depth rule)."""
    index = day.year * 12 + (day.month - 1) - months
    return dt.date(index // 12, index % 12 + 1, 1)
