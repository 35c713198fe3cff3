"""Service hours as data: a list of closure windows, evaluated in JST.

A rule is {"on": <days>, "start": "HH:MM", "end": "HH:MM"}; an end at or before the start
runs into the next day ("24:00" ends at midnight). <days> is one of:
  "daily"
  {"weekday": "sun", "nth": [2, 4]}   # nth weekday of the month; no nth = every week
  {"dates": ["01-01", "05-03"]}       # MM-DD, every year
"""

from __future__ import annotations

import datetime as dt

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

# Typical published windows: short nightly batch, plus a longer window twice a month.
DEFAULT_CLOSURES: list[dict] = [
    {"on": "daily", "start": "23:55", "end": "00:05"},
    {"on": {"weekday": "sun", "nth": [2, 4]}, "start": "23:55", "end": "06:00"},
    {"on": {"dates": ["01-01"]}, "start": "00:00", "end": "24:00"},
]


def _parse_time(text: str) -> dt.timedelta:
    hours, minutes = text.split(":")
    return dt.timedelta(hours=int(hours), minutes=int(minutes))


def validate(rules: list[dict]) -> None:
    """Raise ValueError when a rule is malformed (admin PATCH input)."""
    if not isinstance(rules, list):
        raise ValueError("service_hours must be a list of closure rules")
    for rule in rules:
        if not isinstance(rule, dict):
            raise ValueError("each rule must be an object")
        for key in ("start", "end"):
            value = _parse_time(str(rule.get(key, "")))
            if not dt.timedelta(0) <= value <= dt.timedelta(hours=24):
                raise ValueError(f"bad {key}")
        _days_match(rule.get("on", "daily"), dt.date(2024, 1, 1))


def _days_match(on, day: dt.date) -> bool:
    if on == "daily":
        return True
    if not isinstance(on, dict):
        raise ValueError("bad 'on'")
    if "dates" in on:
        return day.strftime("%m-%d") in on["dates"]
    if "weekday" in on:
        if WEEKDAYS.index(on["weekday"]) != day.weekday():
            return False
        nth = on.get("nth")
        return not nth or (day.day - 1) // 7 + 1 in nth
    raise ValueError("bad 'on'")


def _windows_around(rules: list[dict], moment: dt.datetime):
    """Closure windows starting yesterday or today (enough to cover `moment`)."""
    for offset in (-1, 0):
        day = moment.date() + dt.timedelta(days=offset)
        midnight = dt.datetime.combine(day, dt.time(), moment.tzinfo)
        for rule in rules:
            if not _days_match(rule.get("on", "daily"), day):
                continue
            start, end = _parse_time(rule["start"]), _parse_time(rule["end"])
            if end <= start:
                end += dt.timedelta(days=1)
            yield midnight + start, midnight + end


def closed_until(rules: list[dict], moment: dt.datetime) -> dt.datetime | None:
    """None when open at `moment`; else when the (possibly chained) closure ends."""
    until = None
    probe = moment
    for _ in range(32):  # chained windows (e.g. nightly inside a long one) end quickly
        ends = [end for start, end in _windows_around(rules, probe) if start <= probe < end]
        if not ends:
            return until
        until = probe = max(ends)
    return until


def next_closing(rules: list[dict], moment: dt.datetime) -> dt.datetime | None:
    """Start of the next closure window after `moment` (within 40 days), for display."""
    starts = []
    for offset in range(41):
        probe = moment + dt.timedelta(days=offset)
        starts += [s for s, _ in _windows_around(rules, probe) if s > moment]
        if starts:
            return min(starts)
    return None
