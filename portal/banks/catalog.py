"""Every Japanese bank (金融機関) from zengin-code: search by name, kana, romaji or code.

The data (about 1,150 banks, 29,000 branches) loads on first use, once per process, and
each bank's searchable strings are folded once then (see search_text).

Display names: zengin-code holds short names ("みずほ", "北海道信金"), with no full name.
`BankEntry.name` is the display name: NFKC-normalised ("ＧＭＯ" -> "GMO"); codes below
1000 and 9900 (ゆうちょ) are banks and get 「銀行」 appended unless the name already says
バンク/銀行 or the entry is not a bank (0200, a funds-transfer company); other entries
expand their abbreviated kind (北海道信金 -> 北海道信用金庫, 〜農協 -> 〜農業協同組合).
The zengin short name stays in `BankEntry.short_name`.
"""
import unicodedata
from dataclasses import dataclass
from functools import cache

from .search_text import fold

# Banks renamed in the data but still searched, and recognised, by the name people know
# (newest former name first; shown as 「旧 …」 beside the current name).
FORMER_NAMES: dict[str, tuple[str, ...]] = {
    "0033": ("ジャパンネット銀行",),  # PayPay銀行, 2021
    "0034": ("アイワイバンク銀行",),  # セブン銀行, 2005
    "0036": ("イーバンク銀行",),  # 楽天銀行, 2010
    "0038": ("住信SBIネット銀行",),  # ドコモＳＭＴＢネット銀行, 2026
    "0039": ("じぶん銀行",),  # auじぶん銀行, 2019
    "0397": ("新生銀行",),  # SBI新生銀行, 2023
}
FORMER_KANA: dict[str, tuple[str, ...]] = {
    "0033": ("ジヤパンネツト",),
    "0034": ("アイワイバンク",),
    "0036": ("イーバンク",),
    "0038": ("スミシンエスビーアイネット",),
    "0039": ("ジブン",),
    "0397": ("シンセイ",),
}
NOT_BANKS = frozenset({"0200"})  # listed among bank codes, but not a bank
KIND_SUFFIXES = (  # longest first: 信漁連 before 信連
    ("信漁連", "信用漁業協同組合連合会"),
    ("信連", "信用農業協同組合連合会"),
    ("信金", "信用金庫"),
    ("信組", "信用組合"),
    ("労金", "労働金庫"),
    ("農協", "農業協同組合"),
    ("漁協", "漁業協同組合"),
)


@dataclass(frozen=True)
class BankEntry:
    code: str  # 4-digit 金融機関コード
    name: str  # display name, e.g. みずほ銀行
    kana: str  # zengin kana (full-width katakana, large kana only)
    former_names: tuple[str, ...] = ()  # full former names, newest first: 住信SBIネット銀行
    short_name: str = ""  # the zengin short name, e.g. みずほ

    @property
    def former_name(self) -> str | None:
        """The name people knew it by last, for 「旧 …」."""
        return self.former_names[0] if self.former_names else None


def full_name(code: str, short_name: str) -> str:
    name = unicodedata.normalize("NFKC", short_name)
    if code < "1000" or code == "9900":
        if code in NOT_BANKS or "バンク" in name or name.endswith("銀行"):
            return name
        return name + "銀行"
    for short, full in KIND_SUFFIXES:
        if name.endswith(short):
            return name[: -len(short)] + full
    return name


@dataclass(frozen=True)
class _Indexed:
    entry: BankEntry
    keys: tuple[str, ...]  # folded name, display name, kana, romaji, former names


@cache
def _catalog() -> dict[str, _Indexed]:
    from zengin_code import Bank  # ~0.2 s and ~19 MB: only when the catalog is first used

    indexed = {}
    for code, bank in sorted(Bank.all.items()):
        former = FORMER_NAMES.get(code, ())
        entry = BankEntry(code, full_name(code, bank.name), bank.kana, former, bank.name)
        texts = (bank.name, entry.name, bank.kana, bank.hira, bank.roma or "",
                 *former, *FORMER_KANA.get(code, ()))
        keys = tuple(dict.fromkeys(k for k in map(fold, texts) if k))  # unique, in order
        indexed[code] = _Indexed(entry, keys)
    return indexed


def _normal_code(code) -> str:
    code = str(code).strip()
    return code.zfill(4) if code.isascii() and code.isdigit() else code


def get(code) -> BankEntry | None:
    found = _catalog().get(_normal_code(code))
    return found.entry if found else None


def display_name(code) -> str:
    """「みずほ銀行」 style name; the code itself when zengin-code does not know it."""
    entry = get(code)
    return entry.name if entry else str(code)


def branch_name(bank_code, branch_code) -> str | None:
    from zengin_code import Bank

    bank = Bank.all.get(_normal_code(bank_code))
    branch = bank.branches.get(str(branch_code).strip().zfill(3)) if bank else None
    return branch.name if branch else None


def _rank(item: _Indexed, query: str, padded_code: str) -> int | None:
    """0 exact code, 1 code prefix, 2 exact name/kana, 3 name/kana prefix, 4 substring."""
    code = item.entry.code
    if code == padded_code:
        return 0
    if code.startswith(query):
        return 1
    if query in item.keys:
        return 2
    if any(key.startswith(query) for key in item.keys):
        return 3
    if any(query in key for key in item.keys):
        return 4
    return None


def search(query: str, limit: int = 30) -> list[BankEntry]:
    folded = fold(query or "")
    if not folded or limit <= 0:
        return []
    # "1" means 0001 as much as it means 1xxx: the padded code ranks as exact.
    padded = folded.zfill(4) if folded.isdigit() and len(folded) <= 4 else folded
    ranked = []
    for item in _catalog().values():
        rank = _rank(item, folded, padded)
        if rank is not None:
            ranked.append((rank, item.entry.code, item.entry))
    ranked.sort(key=lambda row: row[:2])
    return [entry for _, _, entry in ranked[:limit]]
