"""自動登録ルール: whether a statement meets a rule's conditions. Pure: no database.

Texts are compared after ledger.normalize.norm_description, the form statements keep in
description_norm, so 「ﾃﾞﾝｷ」 and 「デンキ」, 「ａｂｃ」 and 「ABC」 are the same. A regular
expression runs on that normalised text too: its pattern is NFKC-folded (half-width kana
to full-width, full-width letters to ASCII), loses its spaces and is matched
case-insensitively, but never passed through the rest of norm_description, which would
strip its brackets."""
import re
import unicodedata
from dataclasses import dataclass

from ..ledger.messages import N_
from ..ledger.normalize import _DASHES, _SMALL_KANA, norm_description
from ..models.vocabulary import Direction, RuleMatch

PATTERN_MAX = 200
_REGEX_FOLD = {**_SMALL_KANA, **_DASHES}  # norm_description's own tables: one truth of folding


class RuleError(ValueError):
    """A rule that cannot be used as written; msgid is what people read (translated)."""

    def __init__(self, code: str, msgid: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code  # empty_pattern | pattern_too_long | bad_regex | bad_amounts
        self.msgid = msgid
        self.detail = detail  # the regex engine's own words, for bad_regex


@dataclass(frozen=True)
class Conditions:
    match: RuleMatch
    pattern: str
    direction: Direction | None = None
    amount_min: int | None = None  # bounds of the absolute amount, inclusive
    amount_max: int | None = None
    account_id: int | None = None


def direction_of(amount: int) -> Direction | None:
    if amount > 0:
        return Direction.IN
    if amount < 0:
        return Direction.OUT
    return None


@dataclass(frozen=True)
class CompiledRule:
    conditions: Conditions
    needle: str  # the normalised pattern (contains / equals / starts with)
    regex: re.Pattern | None

    def matches_text(self, description_norm: str) -> bool:
        match = self.conditions.match
        if match == RuleMatch.REGEX:
            return self.regex.search(description_norm) is not None
        if match == RuleMatch.EQUALS:
            return description_norm == self.needle
        if match == RuleMatch.STARTS_WITH:
            return description_norm.startswith(self.needle)
        return self.needle in description_norm

    def matches_values(self, amount: int, account_id: int | None = None) -> bool:
        """Every condition but the text."""
        c = self.conditions
        if c.direction is not None and direction_of(amount) != c.direction:
            return False
        if c.amount_min is not None and abs(amount) < c.amount_min:
            return False
        if c.amount_max is not None and abs(amount) > c.amount_max:
            return False
        return c.account_id is None or c.account_id == account_id

    def matches(self, description_norm: str, amount: int, account_id: int | None = None) -> bool:
        return self.matches_values(amount, account_id) and self.matches_text(description_norm)


_SPACE = re.compile(r"\s+")


def regex_source(pattern: str) -> str:
    """The pattern as it runs: NFKC, small kana and dashes folded like the text, and spaces
    dropped (a normalised text has none, so a space in a pattern could never match)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", pattern).translate(_REGEX_FOLD))


def compile_rule(conditions: Conditions) -> CompiledRule:
    """Check and prepare a rule's conditions; RuleError says what is wrong."""
    pattern = conditions.pattern or ""
    if not pattern.strip():
        raise RuleError("empty_pattern", N_("摘要の条件を入力してください。"))
    if len(pattern) > PATTERN_MAX:
        raise RuleError("pattern_too_long", N_("摘要の条件が長すぎます。"))
    lo, hi = conditions.amount_min, conditions.amount_max
    if (lo is not None and lo < 0) or (hi is not None and hi < 0) or (
            lo is not None and hi is not None and lo > hi):
        raise RuleError("bad_amounts", N_("金額の範囲が正しくありません。"))
    match = RuleMatch(conditions.match)
    if match == RuleMatch.REGEX:
        try:
            regex = re.compile(regex_source(pattern), re.IGNORECASE)
        except re.error as exc:
            raise RuleError("bad_regex", N_("正規表現が正しくありません。"), str(exc)) from exc
        return CompiledRule(conditions, "", regex)
    needle = norm_description(pattern)
    if not needle:  # only spaces or brackets: would match everything
        raise RuleError("empty_pattern", N_("摘要の条件を入力してください。"))
    return CompiledRule(conditions, needle, None)


def first_match(rules, description_norm: str, amount: int, account_id: int | None = None):
    """The first of `rules` ((key, CompiledRule) pairs, in priority order) the statement
    meets, as its key; None when none does."""
    for key, rule in rules:
        if rule.matches(description_norm, amount, account_id):
            return key
    return None
