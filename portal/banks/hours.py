"""Bank service hours as data: is the API open now, and when does it open next.

Closures use one shape for static config and for the sandbox's status endpoint:
  {"on": "daily" | {"weekday": "sun", "nth": [2, 4]} | {"dates": ["01-01"]},
   "start": "23:55", "end": "00:05"}      (Japan time; an end before the start crosses midnight)
A bank with a status URL is asked (cached briefly); otherwise its configured closures decide.
"""
import threading
import time as clock
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..dates import JST
from .client import fetch_status

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STATUS_CACHE_SECONDS = 30


# Banks publish opening times to the second (or coarser) and their clocks differ from ours:
# come back a little after the stated time rather than a moment before it.
OPENING_MARGIN = timedelta(seconds=2)


@dataclass(frozen=True)
class HoursStatus:
    open: bool
    next_open: datetime | None  # aware; None when open or unknown
    maintenance: bool = False  # closed for maintenance, not by its regular hours

    @property
    def resume_at(self) -> datetime | None:
        """When to try again: the stated opening plus a margin."""
        return self.next_open + OPENING_MARGIN if self.next_open else None


def _at(day: date, text: str) -> datetime:
    h, m = (int(x) for x in text.split(":"))
    if h == 24:  # "24:00" is the next midnight
        return datetime.combine(day + timedelta(days=1), time(0, 0), JST)
    return datetime.combine(day, time(h, m), JST)


def _applies(rule, day: date) -> bool:
    if rule == "daily":
        return True
    if isinstance(rule, dict) and "dates" in rule:
        return day.strftime("%m-%d") in rule["dates"]
    if isinstance(rule, dict) and "weekday" in rule:
        if WEEKDAYS[day.weekday()] != rule["weekday"]:
            return False
        nth = rule.get("nth")
        return not nth or (day.day - 1) // 7 + 1 in nth
    return False


def _closed_windows(closures: list[dict], around: datetime):
    """Closed intervals (aware JST) touching the days around `around`."""
    for offset in (-1, 0, 1, 2):
        day = (around + timedelta(days=offset)).date()
        for c in closures:
            if not _applies(c.get("on"), day):
                continue
            start, end = _at(day, c["start"]), _at(day, c["end"])
            if end <= start:
                end += timedelta(days=1)
            yield start, end


def evaluate(closures: list[dict], now: datetime) -> HoursStatus:
    now = now.astimezone(JST)
    t = now
    for _ in range(10):  # adjacent closures (e.g. daily + Sunday night) chain
        covering = [end for start, end in _closed_windows(closures, t) if start <= t < end]
        if not covering:
            break
        t = max(covering)
    return HoursStatus(True, None) if t == now else HoursStatus(False, t)


_cache: dict[str, tuple[float, HoursStatus]] = {}
_cache_lock = threading.Lock()


def status(bank, now: datetime | None = None) -> HoursStatus:
    now = now or datetime.now(JST)
    if bank.status_url:
        with _cache_lock:
            hit = _cache.get(bank.status_url)
        if hit and clock.monotonic() - hit[0] < STATUS_CACHE_SECONDS:
            return hit[1]
        try:
            data = fetch_status(bank.status_url)
            nxt = data.get("nextOpening")
            result = HoursStatus(bool(data.get("open", True)),
                                 datetime.fromisoformat(nxt) if nxt else None,
                                 maintenance=bool(data.get("maintenance")))
        except Exception:  # the status page is advisory: fall back to the configured hours
            result = evaluate(list(bank.service_hours), now)
        with _cache_lock:
            _cache[bank.status_url] = (clock.monotonic(), result)
        return result
    return evaluate(list(bank.service_hours), now)


def forget_cache() -> None:
    with _cache_lock:
        _cache.clear()
