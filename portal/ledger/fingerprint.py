"""Identity for statements that come without a bank item key (rule (b)).

With a running balance the key is (date, amount, balance_after): two identical
same-day debits differ in balance. Without one the key is the base
(date, value_date, amount, norm(description)) and rows are reconciled by count,
which is retry-safe and does not depend on the order rows arrive in.

Fingerprints are sha256 of a versioned canonical string, cut to 32 hex digits;
the caller stores them unique together with its own account id.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from .normalize import norm_description

FINGERPRINT_HEX = 32  # 128 bits: collisions are not a practical concern per account
_VERSION = "v1"


class StatementLike(Protocol):
    transaction_date: date
    value_date: date | None
    amount: int
    description: str
    balance_after: int | None


def _digest(*parts: object) -> str:
    canonical = "|".join([_VERSION, *("" if p is None else str(p) for p in parts)])
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:FINGERPRINT_HEX]


def balance_key(transaction_date: date, amount: int, balance_after: int) -> str:
    return _digest("bal", transaction_date.isoformat(), amount, balance_after)


def base_key(
    transaction_date: date, value_date: date | None, amount: int, description: str
) -> str:
    vd = value_date.isoformat() if value_date else None
    return _digest("base", transaction_date.isoformat(), vd, amount, norm_description(description))


def dedup_key(row: StatementLike) -> str:
    """The balance key when the row has a balance, else the base key."""
    if row.balance_after is not None:
        return balance_key(row.transaction_date, row.amount, row.balance_after)
    return base_key(row.transaction_date, row.value_date, row.amount, row.description)


def occurrence_fingerprint(key: str, occurrence: int) -> str:
    """Unique per row: the key plus its 1-based occurrence (a label, not an identity)."""
    return _digest("occ", key, occurrence)


@dataclass(frozen=True)
class Insertion:
    row: StatementLike
    key: str  # dedup_key(row)
    occurrence: int  # 1-based among rows with this key, after those already stored
    fingerprint: str  # unique per account: key + occurrence


def rows_to_insert(
    fetched_rows: Iterable[StatementLike], stored_counts_by_base: Mapping[str, int]
) -> list[Insertion]:
    """Insert max(0, fetched − stored) rows per key over the fetched window.

    stored_counts_by_base maps dedup_key → rows already stored for that key in the
    same window. Applying the result and calling again inserts nothing more.
    """
    fetched = list(fetched_rows)
    seen: Counter[str] = Counter()
    out: list[Insertion] = []
    for row in fetched:
        key = dedup_key(row)
        seen[key] += 1
        stored = stored_counts_by_base.get(key, 0)
        if seen[key] > stored:  # the (stored+1)-th and later copies are new
            out.append(Insertion(row, key, seen[key], occurrence_fingerprint(key, seen[key])))
    return out


@dataclass(frozen=True)
class Break:
    """prev.balance + amounts since != balance: a missing or doubled row in between."""

    index: int  # position of the row whose balance does not follow
    previous_date: date
    transaction_date: date
    expected_balance: int
    balance_after: int

    @property
    def gap(self) -> int:
        return self.balance_after - self.expected_balance


def check_balance_chain(rows: Sequence[StatementLike]) -> list[Break]:
    """Walk rows oldest first; rows without a balance are carried in the running sum."""
    breaks: list[Break] = []
    anchor: tuple[date, int] | None = None  # last known (date, balance)
    pending = 0  # amounts since the anchor on rows without a balance
    for index, row in enumerate(rows):
        if row.balance_after is None:
            pending += row.amount
            continue
        if anchor is not None:
            expected = anchor[1] + pending + row.amount
            if expected != row.balance_after:
                breaks.append(
                    Break(index, anchor[0], row.transaction_date, expected, row.balance_after)
                )
        anchor, pending = (row.transaction_date, row.balance_after), 0
    return breaks
