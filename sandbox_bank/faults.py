"""Fault injection: per-bank faults an admin switches on, with an optional call count and
an optional lifetime in seconds."""

from __future__ import annotations

import itertools
import random
import threading
import time
from dataclasses import dataclass

# Faults that stay on the board and act on the next API calls.
LASTING = {"maintenance", "rate_limit", "server_error", "slow", "reset", "truncate",
           "malformed", "insert_between_pages"}
# Faults that act once, at once, on the bank's consents.
IMMEDIATE = {"revoke_consents", "expire_consents"}
MODES = LASTING | IMMEDIATE


@dataclass
class Fault:
    fault_id: int
    mode: str
    params: dict
    count: int | None  # remaining API calls it applies to; None = until cleared
    until: float | None  # epoch seconds; None = until cleared

    def to_dict(self) -> dict:
        data = {"id": self.fault_id, "mode": self.mode, **self.params}
        if self.count is not None:
            data["count"] = self.count
        if self.until is not None:
            data["until"] = self.until
            data["seconds_left"] = max(0.0, round(self.until - time.time(), 3))
        return data


def _number(body: dict, key: str, default, low, high, kind=float):
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number")
    if not low <= value <= high:
        raise ValueError(f"{key} must be within {low}..{high}")
    return kind(value)


def parse(body: dict) -> tuple[str, dict, int | None, float | None]:
    """Validate an admin POST body; returns (mode, params, count, seconds)."""
    mode = body.get("mode")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {sorted(MODES)}")
    params: dict = {}
    if mode == "rate_limit":
        params["retry_after"] = _number(body, "retry_after", 1, 0, 86400, int)
    elif mode == "server_error":
        params["rate"] = _number(body, "rate", 1.0, 0, 1)
        params["status"] = _number(body, "status", 500, 500, 599, int)
    elif mode == "slow":
        params["delay"] = _number(body, "delay", 1.0, 0, 120)
    elif mode == "insert_between_pages":
        params["statements"] = _number(body, "statements", 1, 1, 1000, int)
    elif mode in IMMEDIATE and body.get("login") is not None:
        if not isinstance(body["login"], str):
            raise ValueError("login must be a string")
        params["login"] = body["login"]
    if mode in LASTING and body.get("after") is not None:
        # Let this many API calls through first: a fault in the middle of a paging run.
        params["after"] = _number(body, "after", 0, 0, 10**6, int)
    count = None if body.get("count") is None else _number(body, "count", 1, 1, 10**9, int)
    seconds = None if body.get("seconds") is None else _number(body, "seconds", 1, 0, 10**7)
    return mode, params, count, seconds


class FaultBoard:
    def __init__(self, seed: int = 1):
        self._lock = threading.Lock()
        self._faults: dict[str, list[Fault]] = {}
        self._ids = itertools.count(1)
        self._rng = random.Random(seed)

    def add(self, bank_code, mode, params, count, seconds) -> Fault:
        until = None if seconds is None else time.time() + seconds
        fault = Fault(next(self._ids), mode, params, count, until)
        with self._lock:
            self._faults.setdefault(bank_code, []).append(fault)
        return fault

    def _active(self, bank_code: str) -> list[Fault]:
        now = time.time()
        faults = [f for f in self._faults.get(bank_code, [])
                  if (f.until is None or f.until > now) and (f.count is None or f.count > 0)]
        self._faults[bank_code] = faults
        return faults

    def list(self, bank_code: str) -> list[dict]:
        with self._lock:
            return [f.to_dict() for f in self._active(bank_code)]

    def clear(self, bank_code: str) -> int:
        with self._lock:
            return len(self._faults.pop(bank_code, []))

    def take(self, bank_code: str, mode: str) -> Fault | None:
        """The fault of `mode` that applies to this call, consuming one of its count."""
        with self._lock:
            for fault in self._active(bank_code):
                if fault.mode != mode:
                    continue
                if fault.params.get("after", 0) > 0:
                    fault.params["after"] -= 1
                    continue
                if fault.count is not None:
                    fault.count -= 1
                if mode == "server_error" and self._rng.random() >= fault.params["rate"]:
                    return None
                return fault
        return None

    def maintenance_until(self, bank_code: str) -> float | None:
        """For the status page: when the injected maintenance ends (inf = until cleared)."""
        with self._lock:
            ends = [f.until if f.until is not None else float("inf")
                    for f in self._active(bank_code) if f.mode == "maintenance"]
        return max(ends) if ends else None
