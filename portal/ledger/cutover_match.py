"""CSV history → bank API cutover: link rows both sources hold, never merge silently.

Rules (c)/(d) of the matching notes. Candidates for an incoming (API) row are
existing (CSV) rows with the exact amount, within 3 days or on the same value
date, not yet linked, inside [first incoming date, last existing date]. Links are
made in global passes (equal balance, then description score 3, 2, 1) with a
claimed set; a pass links a pair only when each side is the other's single
candidate at that level. A score of 0 is never linked, even with an equal
balance: such pairs go to review with the reasons shown.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from .messages import N_, Message
from .normalize import SCORE_LABELS_JA, description_score

MAX_DAY_GAP = 3
LEVELS: tuple[str | int, ...] = ("balance", 3, 2, 1)

# A reason is its parts (msgids) joined in Japanese by REASON_SEPARATOR, e.g.
# 金額一致・日付差1日・摘要類似・残高一致; reviews store that text, read_reason reads it back.
REASON_SEPARATOR = "・"
AMOUNT_EQUAL = N_("金額一致")
DAY_GAP = N_("日付差%(days)s日")
BALANCE_EQUAL = N_("残高一致")
BALANCE_DIFFERS = N_("残高不一致")
_DAY_GAP_TEXT = re.compile(r"日付差(\d+)日")


@dataclass(frozen=True)
class LedgerRow:
    """A row already in the ledger (from CSV)."""

    id: Hashable
    transaction_date: date
    amount: int
    description: str
    balance_after: int | None = None
    value_date: date | None = None
    linked: bool = False  # already carries a key of the other source


@dataclass(frozen=True)
class IncomingRow:
    """A row fetched from the bank API."""

    key: Hashable
    transaction_date: date
    amount: int
    description: str
    balance_after: int | None = None
    value_date: date | None = None


@dataclass(frozen=True)
class Ambiguity:
    incoming_key: Hashable
    candidate_ids: list[Hashable]
    reasons: list[str]  # one line per candidate, same order, for the review screen (Japanese)
    # The same reasons as messages to translate (without the "<id>: " prefix).
    reason_messages: list[tuple[Message, ...]] = field(default_factory=list)


@dataclass
class CutoverResult:
    links: list[tuple[Hashable, Hashable]] = field(default_factory=list)  # (existing, incoming)
    new: list[Hashable] = field(default_factory=list)
    ambiguous: list[Ambiguity] = field(default_factory=list)
    link_levels: dict[Hashable, str | int] = field(default_factory=dict)  # incoming → level


@dataclass(frozen=True)
class _Candidate:
    row: LedgerRow
    score: int
    day_gap: int
    balance_equal: bool
    balance_conflict: bool  # both sides know the balance and it differs

    def qualifies(self, level: str | int) -> bool:
        if level == "balance":
            return self.balance_equal
        return self.score >= int(level)

    def linkable(self, level: str | int) -> bool:
        return self.score >= 1 and (level == "balance" or not self.balance_conflict)

    def reason_messages(self) -> tuple[Message, ...]:
        parts = [Message(AMOUNT_EQUAL), Message(DAY_GAP, {"days": self.day_gap}),
                 Message(SCORE_LABELS_JA[self.score])]
        if self.balance_equal:
            parts.append(Message(BALANCE_EQUAL))
        elif self.balance_conflict:
            parts.append(Message(BALANCE_DIFFERS))
        return tuple(parts)

    def reason(self) -> str:
        return f"{self.row.id}: " + reason_text(self.reason_messages())


def reason_text(parts: Sequence[Message]) -> str:
    """The Japanese text of a reason, as reviews store it."""
    return REASON_SEPARATOR.join(p.message_ja for p in parts)


def read_reason(text: str) -> tuple[Message, ...]:
    """Read a stored reason (Japanese, without the id) back into messages to translate.

    A part this module does not write is kept as it is: a msgid with no translation.
    """
    parts = []
    for part in text.split(REASON_SEPARATOR) if text else ():
        if m := _DAY_GAP_TEXT.fullmatch(part):
            parts.append(Message(DAY_GAP, {"days": int(m[1])}))
        else:
            parts.append(Message(part))
    return tuple(parts)


def _candidates(inc: IncomingRow, pool: Sequence[LedgerRow]) -> list[_Candidate]:
    found = []
    for row in pool:
        gap = abs((row.transaction_date - inc.transaction_date).days)
        same_value_date = inc.value_date is not None and inc.value_date == row.value_date
        if row.amount != inc.amount or (gap > MAX_DAY_GAP and not same_value_date):
            continue
        both = inc.balance_after is not None and row.balance_after is not None
        equal = both and inc.balance_after == row.balance_after
        score = description_score(row.description, inc.description)
        found.append(_Candidate(row, score, gap, equal, both and not equal))
    return found


def match_cutover(existing: Sequence[LedgerRow], incoming: Sequence[IncomingRow]) -> CutoverResult:
    result = CutoverResult()
    if not existing or not incoming:
        result.new = [i.key for i in incoming]
        return result
    start = min(i.transaction_date for i in incoming)
    end = max(e.transaction_date for e in existing)
    pool = [e for e in existing if not e.linked and start <= e.transaction_date <= end]
    cands: dict[Hashable, list[_Candidate]] = {}
    for inc in incoming:
        if start <= inc.transaction_date <= end:
            cands[inc.key] = _candidates(inc, pool)
    claimed: set[Hashable] = set()
    linked: dict[Hashable, Hashable] = {}
    for level in LEVELS:
        while _link_pass(level, cands, claimed, linked, result):
            pass
    for inc in incoming:
        if inc.key in linked:
            continue
        left = [c for c in cands.get(inc.key, []) if c.row.id not in claimed]
        if not left:
            result.new.append(inc.key)  # outside the overlap, or nothing left to match
        else:
            ids = [c.row.id for c in left]
            result.ambiguous.append(Ambiguity(inc.key, ids, [c.reason() for c in left],
                                              [c.reason_messages() for c in left]))
    order = {inc.key: n for n, inc in enumerate(incoming)}
    result.links = sorted(((e, k) for k, e in linked.items()), key=lambda p: order[p[1]])
    return result


def _link_pass(
    level: str | int,
    cands: dict[Hashable, list[_Candidate]],
    claimed: set[Hashable],
    linked: dict[Hashable, Hashable],
    result: CutoverResult,
) -> bool:
    """One sweep at a level; True when it linked something (claims may unblock others)."""
    open_sets = {
        key: [c for c in cs if c.row.id not in claimed and c.qualifies(level)]
        for key, cs in cands.items()
        if key not in linked
    }
    contenders: dict[Hashable, int] = defaultdict(int)
    for cs in open_sets.values():
        for c in cs:
            contenders[c.row.id] += 1
    progress = False
    for key, cs in open_sets.items():
        if len(cs) == 1 and contenders[cs[0].row.id] == 1 and cs[0].linkable(level):
            linked[key] = cs[0].row.id
            claimed.add(cs[0].row.id)
            result.link_levels[key] = level
            progress = True
    return progress


@dataclass(frozen=True)
class DayMismatch:
    day: date
    existing_count: int
    incoming_count: int
    existing_sum: int
    incoming_sum: int


def overlap_check(existing: Sequence[LedgerRow], incoming: Sequence[IncomingRow]) -> list[DayMismatch]:
    """Days of the overlap (first incoming day .. last existing day) whose row counts or sums
    disagree."""
    return day_totals_check(_per_day(existing), _per_day(incoming))


def _per_day(rows: Sequence[LedgerRow | IncomingRow]) -> dict[date, tuple[int, int]]:
    totals: dict[date, tuple[int, int]] = {}
    for r in rows:
        add_to_day(totals, r.transaction_date, 1, r.amount)
    return totals


def add_to_day(totals: dict[date, tuple[int, int]], day: date, rows: int, amount: int) -> None:
    """Rows and their sum added to a side's (rows, sum of amounts) of the day."""
    had_rows, had_amount = totals.get(day, (0, 0))
    totals[day] = (had_rows + rows, had_amount + amount)


def day_totals_check(
    existing: Mapping[date, tuple[int, int]],
    incoming: Mapping[date, tuple[int, int]],
) -> list[DayMismatch]:
    """overlap_check from each side's (rows, sum of amounts) per day, as a database's GROUP
    BY gives them: the days from the first incoming day to the last existing one that
    disagree. A day a side has no row on is absent from its mapping."""
    if not existing or not incoming:
        return []
    lo, hi = min(incoming), max(existing)
    found = []
    for day in sorted(d for d in existing.keys() | incoming.keys() if lo <= d <= hi):
        (n_existing, s_existing), (n_incoming, s_incoming) = (
            existing.get(day, (0, 0)), incoming.get(day, (0, 0)))
        if n_existing != n_incoming or s_existing != s_incoming:
            found.append(DayMismatch(day, n_existing, n_incoming, s_existing, s_incoming))
    return found
