"""Text normalisation for statement descriptions (摘要).

`norm_description` implements the norm() steps of the matching rules, so the same
transaction written by a CSV export and by a bank API compares equal even when one
side uses half-width kana and the other full-width.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

from .messages import N_

# Step 4: small kana folded to their full-size forms (after NFKC, so half-width
# kana are already full-width here).
_SMALL_KANA = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")

# Step 5: every dash-like mark becomes '-'. U+FF0D (full-width hyphen-minus) is
# already '-' after NFKC; the others survive NFKC and are listed explicitly.
_DASHES = str.maketrans(
    {
        "ー": "-",  # U+30FC long-vowel mark
        "−": "-",  # U+2212 minus sign
        "‐": "-",  # U+2010 hyphen
        "‑": "-",  # U+2011 non-breaking hyphen
        "–": "-",  # U+2013 en dash
        "—": "-",  # U+2014 em dash
        "―": "-",  # U+2015 horizontal bar
        "ｰ": "-",  # U+FF70 half-width long vowel (NFKC maps it to ー anyway)
        "・": ".",  # U+30FB middle dot
    }
)

# Step 6: brackets of every kind (ASCII forms also cover full-width ones after NFKC).
_BRACKETS = str.maketrans(dict.fromkeys("()[]{}<>「」『』【】〔〕〈〉《》〖〗〘〙｢｣", None))

_WHITESPACE = re.compile(r"\s+")

# Steps 4 to 6 in one table: no target of one step is a source of a later one, so one
# translate gives what the three in turn give.
_FOLD = {**_SMALL_KANA, **_DASHES, **_BRACKETS}

PREFIX_MIN_LEN = 4
SIMILARITY_MIN = 0.8
_MAX_ROUNDS = 8


@lru_cache(maxsize=4096)  # statements repeat their descriptions; bounded, so is the memory
def norm_description(text: str) -> str:
    """Normalise a description for matching (NFKC, upper, no spaces, folded kana/dashes)."""
    s = text or ""
    # Removing spaces or brackets can bring a combining mark next to a new base
    # character, which NFKC then composes; repeat until stable so norm is idempotent.
    for _ in range(_MAX_ROUNDS):
        t = _norm_once(s)
        if t == s:
            break
        s = t
    return s


def _norm_once(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    s = s.upper()
    # \s covers U+3000 too, but NFKC has already turned it into a plain space.
    s = _WHITESPACE.sub("", s)
    return s.translate(_FOLD)


def description_score(a: str, b: str) -> int:
    """Score two descriptions: 3 equal, 2 truncation prefix, 1 similar (ratio ≥ 0.8), else 0."""
    na, nb = norm_description(a), norm_description(b)
    if not na or not nb:
        # Empty text says nothing about identity; never let it count as a match.
        return 0
    if na == nb:
        return 3
    shorter, longer = sorted((na, nb), key=len)
    if len(shorter) >= PREFIX_MIN_LEN and longer.startswith(shorter):
        return 2
    if difflib.SequenceMatcher(None, na, nb, autojunk=False).ratio() >= SIMILARITY_MIN:
        return 1
    return 0


# msgids (N_): the Japanese labels, translated where they are shown.
SCORE_LABELS_JA = {3: N_("摘要一致"), 2: N_("摘要前方一致"), 1: N_("摘要類似"), 0: N_("摘要不一致")}
