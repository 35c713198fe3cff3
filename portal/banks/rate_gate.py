"""A bank's rate limit as one budget for every worker: the bank counts our client, not our
processes. Before each API call a worker books the bank's next free slot and sleeps until it.

Slots are spaced evenly, `interval = per_seconds × (1 + headroom) / requests` apart, so any
`requests + 1` consecutive calls span the bank's window plus the headroom: calls may arrive
that much closer together than they left (network and scheduling jitter) and the bank still
never sees more than `requests` in any window, sliding or fixed. Bursts are not used; the
steady rate is the limit divided by (1 + headroom).

A booking is one atomic step in the shared store, timed by the store's own clock, so the
clocks of the workers' machines never matter; the worker sleeps the returned duration on its
own monotonic clock. Bookings are served in the order they are made. A call that would wait
longer than `max_wait` books nothing and raises RateGateFull (a RateLimited, so a sync
treats it like the bank's own 429 with Retry-After). A thread that reaches its slot late
(more than half the headroom: a starved machine) books again rather than crowd the next.

    gate = make_rate_gate(app.config, engine, registry)
    gate("0310")   # returns when one call to bank 0310 may go
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from sqlalchemy import Engine, text

from .errors import RateLimited
from .registry import BankRegistry


class RateGateFull(RateLimited):
    default_message = "the bank's rate limit is booked further ahead than we wait"


class SlotStore(Protocol):
    def book(self, bank_code: str, interval: float, max_wait: float) -> tuple[bool, float]:
        """Book the bank's next slot unless it is more than max_wait away; returns
        (booked, seconds from now to that slot)."""


class MemorySlots:
    """One process only (SQLite installs): a lock and the monotonic clock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def book(self, bank_code: str, interval: float, max_wait: float) -> tuple[bool, float]:
        with self._lock:
            now = self._clock()
            slot = max(self._next.get(bank_code, now), now)
            if slot - now > max_wait:
                return False, slot - now
            self._next[bank_code] = slot + interval
            return True, slot - now


# The row lock of the upsert serialises bookings; the WHERE leaves a slot too far ahead
# unbooked (no row returned). Epoch seconds of the server's clock: no time zone applies.
_BOOK = text("""
    INSERT INTO bank_rate_slot (bank_code, next_at)
    VALUES (:bank, extract(epoch from clock_timestamp())::float8 + :interval)
    ON CONFLICT (bank_code) DO UPDATE
       SET next_at = greatest(bank_rate_slot.next_at,
                              extract(epoch from clock_timestamp())::float8) + :interval
     WHERE bank_rate_slot.next_at - extract(epoch from clock_timestamp())::float8 <= :max_wait
    RETURNING next_at - :interval - extract(epoch from clock_timestamp())::float8
""")
_AHEAD = text("SELECT next_at - extract(epoch from clock_timestamp())::float8"
              " FROM bank_rate_slot WHERE bank_code = :bank")


class PostgresSlots:
    """Every worker on one PostgreSQL: a row per bank (table bank_rate_slot)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def book(self, bank_code: str, interval: float, max_wait: float) -> tuple[bool, float]:
        params = {"bank": bank_code, "interval": float(interval), "max_wait": float(max_wait)}
        with self.engine.begin() as conn:
            wait = conn.execute(_BOOK, params).scalar()
            if wait is not None:
                return True, max(0.0, wait)
            ahead = conn.execute(_AHEAD, params).scalar()
        return False, max(0.0, ahead or 0.0)


# Lua runs atomically in Redis; TIME is the Redis server's clock. Numbers leave as strings
# (Redis would truncate them to integers), formatted to the microsecond.
_REDIS_BOOK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local interval, max_wait = tonumber(ARGV[1]), tonumber(ARGV[2])
if slot - now > max_wait then
  return {0, string.format('%.6f', slot - now)}
end
local keep = math.ceil((slot - now + interval) * 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.6f', slot + interval), 'PX', keep)
return {1, string.format('%.6f', slot - now)}
"""


class RedisSlots:
    """Every worker on one Redis: a key per bank, expiring once its slot is past."""

    def __init__(self, url: str, prefix: str = "tsunagu:bank-rate:"):
        import redis  # optional dependency: only when BANK_RATE_STORAGE_URI says redis://

        self.client = redis.Redis.from_url(url)
        self.prefix = prefix
        self._script = self.client.register_script(_REDIS_BOOK)

    def book(self, bank_code: str, interval: float, max_wait: float) -> tuple[bool, float]:
        booked, wait = self._script(keys=[self.prefix + bank_code], args=[interval, max_wait])
        return bool(int(booked)), max(0.0, float(wait))


class RateGate:
    """`gate(bank_code)` returns when one API call to the bank may go (at once for a bank
    without a configured rate limit); raises RateGateFull rather than wait over max_wait."""

    REBOOKS = 3

    def __init__(self, registry: BankRegistry, slots: SlotStore, *, headroom: float = 0.1,
                 max_wait: float = 30.0, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        if headroom < 0 or max_wait < 0:
            raise ValueError("headroom and max_wait must not be negative")
        self.registry, self.slots = registry, slots
        self.headroom, self.max_wait = headroom, max_wait
        self._sleep, self._clock = sleep, clock
        self._lock = threading.Lock()
        self.rebooked = 0  # slots given up by late threads (a sign of a starved machine)

    def interval(self, bank_code: str) -> float | None:
        """Seconds between two calls to the bank, or None when it sets no rate limit."""
        bank = self.registry.get(bank_code)
        if bank is None or bank.rate_limit is None:
            return None
        limit = bank.rate_limit
        return limit.per_seconds * (1 + self.headroom) / limit.requests

    def __call__(self, bank_code: str) -> None:
        interval = self.interval(bank_code)
        if interval is None:
            return
        # Half the headroom may be spent on this side, between the booking and the call:
        # a thread that got the answer or woke up later than that (a starved machine) would
        # crowd the slots after its own, so it books again, a few times at most.
        tolerance = self.headroom * self.registry.get(bank_code).rate_limit.per_seconds / 2
        for attempt in range(self.REBOOKS + 1):
            if attempt:
                with self._lock:
                    self.rebooked += 1
            started = self._clock()
            booked, wait = self.slots.book(bank_code, interval, self.max_wait)
            if not booked:
                raise RateGateFull(retry_after=wait)  # by then the queue has gone by
            if wait > 0:
                self._sleep(wait)  # the booked slot itself: nothing to poll for
            if not tolerance or self._clock() - started - wait <= tolerance:
                return


def slot_store(config: Mapping, engine: Engine | None) -> SlotStore:
    """The store BANK_RATE_STORAGE_URI names; unset, the database's when it is PostgreSQL."""
    uri = config.get("BANK_RATE_STORAGE_URI") or ""
    if uri.startswith(("redis://", "rediss://", "unix://")):
        return RedisSlots(uri)
    if uri == "memory://" or (not uri and (engine is None or engine.dialect.name != "postgresql")):
        return MemorySlots()
    if not uri:
        return PostgresSlots(engine)
    raise ValueError(f"BANK_RATE_STORAGE_URI: use redis://… or memory://, not {uri!r}")


def make_rate_gate(config: Mapping, engine: Engine | None, registry: BankRegistry, *,
                   sleep: Callable[[float], None] = time.sleep) -> RateGate:
    return RateGate(registry, slot_store(config, engine),
                    headroom=float(config.get("BANK_RATE_HEADROOM", 0.1)),
                    max_wait=float(config.get("BANK_RATE_MAX_WAIT", 30.0)), sleep=sleep)
