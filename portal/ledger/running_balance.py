"""Balances of accounts without an API, and the running balance of manual entries.

- An account's balance is that of its latest statement (ledger order: date, id) carrying
  one, or its opening balance (開始残高) when that is later.
- The opening balance is the balance before the first transaction of its date.
- A manual entry made without 残高 is "derived": its balance is the previous balance plus
  its amount, when the previous balance is known (the row just before it carries one, or
  the opening balance lies between them); else it has none. Every other balance (the bank's,
  a file's, one the user typed) is given and anchors what follows.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol


@dataclass(frozen=True)
class Opening:
    balance: int
    day: date


class Row(Protocol):
    id: int
    transaction_date: date
    amount: int
    balance_after: int | None
    balance_derived: bool


@dataclass(frozen=True)
class Carry:
    """Where a walk over the ledger stands: the last row's date and balance (None: unknown)."""

    day: date | None = None
    balance: int | None = None

    def before(self, row_day: date, opening: Opening | None) -> int | None:
        """The balance just before a row of `row_day` that follows this point."""
        if opening and row_day >= opening.day and (self.day is None or self.day < opening.day):
            return opening.balance
        return self.balance


def carry_forward(start: Carry, rows: Iterable[Row], opening: Opening | None
                  ) -> tuple[list[tuple[int, int | None]], Carry]:
    """Walk rows in ledger order from `start`: the (id, balance) of every derived row whose
    balance changes, and where the walk ends (to go on with the next batch)."""
    changed: list[tuple[int, int | None]] = []
    point = start
    for row in rows:
        balance = row.balance_after
        if row.balance_derived:
            previous = point.before(row.transaction_date, opening)
            balance = None if previous is None else previous + row.amount
            if balance != row.balance_after:
                changed.append((row.id, balance))
        point = Carry(row.transaction_date, balance)
    return changed, point


def account_balance(latest: tuple[date, int] | None, opening: Opening | None
                    ) -> tuple[int | None, date | None]:
    """(balance, as of) from the latest statement carrying a balance, or the opening balance
    when none is on or after its date."""
    if latest is not None and (opening is None or latest[0] >= opening.day):
        return latest[1], latest[0]
    if opening is not None:
        return opening.balance, opening.day
    return None, None
