"""口座振替: pairing a payment out of one of the office's accounts with the same amount coming
into another of them. Pure: no database.

Two statements pair when their amounts are opposite (same absolute amount), they are on two
different accounts and their dates are at most MAX_DAYS apart. Pairing is one-to-one and
deterministic: of all possible pairs, the closest dates go first, then the lower ids (the
older rows), and a statement taken by one pair is out of every other."""
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

MAX_DAYS = 3


@dataclass(frozen=True)
class Movement:
    id: int
    account_id: int
    day: date
    amount: int  # signed


@dataclass(frozen=True)
class TransferPair:
    paying: Movement  # 出金: the account money left
    receiving: Movement  # 入金: the account it arrived in


def pair_transfers(movements: Iterable[Movement], max_days: int = MAX_DAYS) -> list[TransferPair]:
    """The pairs, ordered by the paying statement's (day, id)."""
    outs: dict[int, list[Movement]] = defaultdict(list)
    ins: dict[int, list[Movement]] = defaultdict(list)
    for m in movements:
        if m.amount < 0:
            outs[-m.amount].append(m)
        elif m.amount > 0:
            ins[m.amount].append(m)
    candidates = []
    for amount, paying in outs.items():
        for p in paying:
            for r in ins.get(amount, ()):
                gap = abs((r.day - p.day).days)
                if r.account_id != p.account_id and gap <= max_days:
                    candidates.append((gap, min(p.id, r.id), max(p.id, r.id), p, r))
    candidates.sort(key=lambda c: c[:3])
    taken: set[int] = set()
    pairs = []
    for _, _, _, p, r in candidates:
        if p.id in taken or r.id in taken:
            continue
        taken.update((p.id, r.id))
        pairs.append(TransferPair(p, r))
    pairs.sort(key=lambda t: (t.paying.day, t.paying.id))
    return pairs
