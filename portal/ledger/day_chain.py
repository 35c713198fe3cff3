"""The balance chain (fingerprint.check_balance_chain) cut into days, so that a write
recomputes only the days it touched and the breaks between days come from one small row
per day instead of the whole ledger.

A day's summary holds what the chain needs from it: the amounts up to and including its
first row carrying a balance (`lead`) and that balance, its last balance and the amounts
after it (`tail`). Breaks between two rows of the same day are the day's own; the break at
a day's first balance depends on the last balance before it, found across days by `walk`.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DayBreak:
    day: date
    position: int  # of the row within its day (ledger order)
    previous_date: date
    expected: int
    actual: int
    crossing: bool  # at the day's first balance, anchored on an earlier day


@dataclass(frozen=True)
class DaySummary:
    day: date
    rows: int
    amount_sum: int
    in_sum: int
    out_sum: int  # withdrawals, as a positive number
    lead: int
    first_balance: int | None
    first_pos: int | None
    last_balance: int | None
    tail: int


def summarise(day: date, rows: Iterable[tuple[int, int | None]]) -> tuple[DaySummary, list[DayBreak]]:
    """(amount, balance_after) of one day's rows in ledger order -> summary, inner breaks."""
    n = total = ins = outs = lead = pending = 0
    first = first_pos = anchor = None
    breaks: list[DayBreak] = []
    for pos, (amount, balance) in enumerate(rows):
        n, total = n + 1, total + amount
        if amount > 0:
            ins += amount
        else:
            outs -= amount
        if balance is None:
            pending += amount
            continue
        if first is None:
            first, first_pos, lead = balance, pos, pending + amount
        elif anchor + pending + amount != balance:
            breaks.append(DayBreak(day, pos, day, anchor + pending + amount, balance, False))
        anchor, pending = balance, 0
    return DaySummary(day, n, total, ins, outs, lead, first, first_pos, anchor, pending), breaks


@dataclass(frozen=True)
class Anchor:
    day: date
    balance: int
    pending: int  # amounts after it, up to the day being walked


def walk(anchor: Anchor | None, days: Iterable[DaySummary], touched: Sequence[date]
         ) -> tuple[list[date], list[DayBreak]]:
    """Days in order after `anchor` (the last balanced day before the first touched one):
    returns the balanced days whose crossing break must be recomputed (a touched day lies
    between them and the balanced day before, both included) and the crossing breaks among them."""
    recheck: list[date] = []
    breaks: list[DayBreak] = []
    prev_day = anchor.day if anchor else date.min
    balance = anchor.balance if anchor else None
    pending = anchor.pending if anchor else 0
    for d in days:
        if d.first_balance is None:
            pending += d.amount_sum
            continue
        # a touched day from the anchor day (its last balance or tail) to this one
        if bisect_right(touched, d.day) > bisect_left(touched, prev_day):
            recheck.append(d.day)
            expected = None if balance is None else balance + pending + d.lead
            if expected is not None and expected != d.first_balance:
                breaks.append(DayBreak(d.day, d.first_pos, prev_day, expected, d.first_balance, True))
        prev_day, balance, pending = d.day, d.last_balance, d.tail
    return recheck, breaks


def rebuild(rows: Iterable[tuple[date, int, int | None]]) -> tuple[list[DaySummary], list[DayBreak]]:
    """Every day of a ledger from (date, amount, balance_after) in ledger order: the
    backfill, and what the tests compare the kept figures against."""
    summaries: list[DaySummary] = []
    breaks: list[DayBreak] = []
    current: date | None = None
    bucket: list[tuple[int, int | None]] = []

    def flush():
        if current is not None:
            summary, inner = summarise(current, bucket)
            summaries.append(summary)
            breaks.extend(inner)

    for day, amount, balance in rows:
        if day != current:
            flush()
            current, bucket = day, []
        bucket.append((amount, balance))
    flush()
    _, crossing = walk(None, summaries, [s.day for s in summaries])
    return summaries, sorted(breaks + crossing, key=lambda b: (b.day, b.position))
