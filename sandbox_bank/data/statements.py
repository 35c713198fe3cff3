"""Deterministic statement generation with consistent running balances."""

from __future__ import annotations

import datetime as dt
import random

from ..models import Statement

# (remarks, mufg transactionType, sign, min, max). Half-width and full-width kana on purpose:
# real 摘要 come in both, and the portal must keep them as sent.
VOCAB = [
    ("ﾌﾘｺﾐ ﾀﾅｶ ｲﾁﾛｳ", "10", 1, 3_000, 30_000),
    ("ﾃﾞﾝｷﾘﾖｳ ﾄｳｷﾖｳﾃﾞﾝﾘﾖｸ", "12", -1, 3_000, 15_000),
    ("ｶｰﾄﾞ ｾﾌﾞﾝｷﾞﾝｺｳ", "11", -1, 10_000, 50_000),
    ("ｽｲﾄﾞｳﾘﾖｳ", "12", -1, 2_000, 8_000),
    ("振込　カ）サンプルシヨウジ", "10", 1, 5_000, 40_000),
    ("ＡＴＭ　ミズホ", "11", -1, 5_000, 30_000),
    ("デビット　アマゾン", "99", -1, 500, 20_000),
    ("口座振替　ＮＨＫ", "12", -1, 1_100, 2_200),
    ("振込手数料", "99", -1, 110, 440),
    ("ﾃﾞﾋﾞﾂﾄ ｺﾝﾋﾞﾆ", "99", -1, 300, 3_000),
]
SALARY = ("ｷﾕｳﾖ ｶ)ﾂﾅｸﾞ", "13", 1)
INTEREST = ("利息", "99", 1)


def _pick_amount(rng: random.Random, low: int, high: int) -> int:
    # Round to 10 yen like most real charges, but keep small fees exact.
    value = rng.randint(low, high)
    return value if high < 1_000 else value - value % 10


def generate(
    rng: random.Random,
    start: dt.date,
    end: dt.date,
    count: int,
    opening: int,
    first_seq: int = 1,
    interest_only: bool = False,
) -> list[Statement]:
    """`count` statements dated within [start, end], oldest first, never below zero.

    Fixed landmarks for tests and demos: the third statement has no remarks, the sixth
    has a 起算日 (valueDate) one day before its transaction date.
    """
    span = max((end - start).days, 0)
    dates = sorted(start + dt.timedelta(days=rng.randint(0, span)) for _ in range(count))
    rows: list[Statement] = []
    balance = opening
    for index, day in enumerate(dates):
        if interest_only:  # a time deposit only earns interest
            remarks, kind, sign = INTEREST
            amount = rng.randint(1, 120)
        elif day.day >= 25 and rng.random() < 0.08:
            remarks, kind, sign = SALARY
            amount = _pick_amount(rng, 200_000, 350_000)
        elif rng.random() < 0.01:
            remarks, kind, sign = INTEREST
            amount = rng.randint(1, 120)
        else:
            remarks, kind, sign, low, high = rng.choice(VOCAB)
            amount = _pick_amount(rng, low, high)
        signed = sign * amount
        if balance + signed < 0:  # a bank account does not go below zero: make it a deposit
            signed, remarks, kind = amount, VOCAB[0][0], VOCAB[0][1]
        value_date = day
        if index == 2:
            remarks = None
        if index == 5:
            value_date = day - dt.timedelta(days=1)
        balance += signed
        rows.append(Statement(first_seq + index, day, value_date, signed, balance, remarks, kind))
    return rows


def arrival(rng: random.Random, balance: int) -> tuple[int, str, str]:
    """One new statement (signed amount, remarks, kind) that keeps the balance >= 0."""
    remarks, kind, sign, low, high = rng.choice(VOCAB)
    amount = _pick_amount(rng, low, high)
    if sign < 0 and balance - amount < 0:
        return amount, VOCAB[0][0], VOCAB[0][1]
    return sign * amount, remarks, kind
