"""Sliding-window rate limit per (bank, client)."""

from __future__ import annotations

import collections
import math
import threading
import time


class RateLimiter:
    def __init__(self):
        self._lock = threading.Lock()
        self._hits: dict[tuple, collections.deque] = collections.defaultdict(collections.deque)

    def check(self, key: tuple, requests: int, per_seconds: int) -> int | None:
        """Record one call; None when allowed, else the seconds to wait (Retry-After)."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - per_seconds:
                hits.popleft()
            if len(hits) >= requests:
                return max(1, math.ceil(hits[0] + per_seconds - now))
            hits.append(now)
            return None

    def reset(self, bank_code: str | None = None) -> None:
        with self._lock:
            for key in list(self._hits):
                if bank_code is None or key[0] == bank_code:
                    del self._hits[key]
