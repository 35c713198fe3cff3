"""Folding bank names for search, so that what a person types meets what zengin-code holds.

zengin-code keeps names full-width and kana in the zengin style: large kana only (ツ for ッ)
and U+FF0D "－" as the long-vowel mark. People type hiragana, half-width kana, ASCII, "ー",
small kana. Both sides are folded the same way: NFKC, case-folded, hiragana to katakana,
small kana to large, and dashes, long-vowel marks, dots and spaces dropped.
"""
import re
import unicodedata

_SMALL_TO_LARGE = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")
# Hiragana ぁ..ゖ sit exactly 0x60 below their katakana.
_HIRA_TO_KATA = {code: code + 0x60 for code in range(0x3041, 0x3097)}
# After NFKC: "-" (from U+FF0D), hyphens, dashes, minus, long-vowel mark, tildes, middle dot,
# punctuation and whitespace. None of them tells two banks apart.
_DROPPED = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc~\u301c\u30fb.,、。()（）]")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.translate(_HIRA_TO_KATA).translate(_SMALL_TO_LARGE)
    return _DROPPED.sub("", text)
