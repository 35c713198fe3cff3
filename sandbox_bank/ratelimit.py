"""Sliding-window rate limit per (bank, client), counting what it let through and what it
refused, so a test can tell whether a client ever went over the limit."""

from __future__ import annotations

import collections
import math
import threading
import time


class RateLimiter:
    def __init__(self):
        self._lock = threading.Lock()
        self._hits: dict[tuple, collections.deque] = collections.defaultdict(collections.deque)
        self._allowed: collections.Counter = collections.Counter()
        self._refused: collections.Counter = collections.Counter()

    def check(self, key: tuple, requests: int, per_seconds: int) -> int | None:
        """Record one call; None when allowed, else the seconds to wait (Retry-After)."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - per_seconds:
                hits.popleft()
            if len(hits) >= requests:
                self._refused[key] += 1
                return max(1, math.ceil(hits[0] + per_seconds - now))
            hits.append(now)
            self._allowed[key] += 1
            return None

    def reset(self, bank_code: str | None = None) -> None:
        """Forget the windows (a new limit starts afresh); the counts stay."""
        with self._lock:
            for key in list(self._hits):
                if bank_code is None or key[0] == bank_code:
                    del self._hits[key]

    def counts(self, bank_code: str) -> dict[str, dict[str, int]]:
        """Per client id of the bank: calls let through and calls refused with 429."""
        with self._lock:
            keys = {k for k in (*self._allowed, *self._refused) if k[0] == bank_code}
            return {k[1]: {"allowed": self._allowed[k], "over_limit": self._refused[k]}
                    for k in sorted(keys)}

    def clear_counts(self, bank_code: str) -> None:
        with self._lock:
            for counter in (self._allowed, self._refused):
                for key in [k for k in counter if k[0] == bank_code]:
                    del counter[key]
