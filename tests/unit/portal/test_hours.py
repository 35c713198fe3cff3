"""Service hours evaluated from closures (the same shape the sandbox publishes)."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from portal.banks.hours import evaluate

JST = ZoneInfo("Asia/Tokyo")
CLOSURES = [
    {"on": "daily", "start": "23:55", "end": "00:05"},
    {"on": {"weekday": "sun", "nth": [2, 4]}, "start": "23:55", "end": "06:00"},
    {"on": {"dates": ["01-01"]}, "start": "00:00", "end": "24:00"},
]


def at(*args):
    return datetime(*args, tzinfo=JST)


@pytest.mark.parametrize("now, open_, next_open", [
    (at(2026, 11, 25, 12, 0), True, None),
    (at(2026, 11, 25, 23, 56), False, at(2026, 11, 26, 0, 5)),
    (at(2026, 11, 26, 0, 1), False, at(2026, 11, 26, 0, 5)),
    (at(2026, 11, 26, 0, 5), True, None),
    # 2026-11-22 is the 4th Sunday: closed until Monday 06:00.
    (at(2026, 11, 22, 23, 58), False, at(2026, 11, 23, 6, 0)),
    (at(2026, 11, 23, 3, 0), False, at(2026, 11, 23, 6, 0)),
    # 2026-11-29 is the 5th Sunday: only the daily window.
    (at(2026, 11, 29, 23, 58), False, at(2026, 11, 30, 0, 5)),
    # New Year's Day all day, chained with the daily window around midnight.
    (at(2026, 12, 31, 23, 57), False, at(2027, 1, 2, 0, 5)),
])
def test_evaluate(now, open_, next_open):
    status = evaluate(CLOSURES, now)
    assert status.open is open_
    assert status.next_open == next_open


def test_no_closures_means_always_open():
    assert evaluate([], at(2026, 1, 1, 0, 0)).open
