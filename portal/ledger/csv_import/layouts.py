"""Known bank CSV layouts, recognised by their header row."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..messages import N_
from .mapping import ColumnMapping

HEADER_SCAN_ROWS = 40  # preambles are short (みずほ ~12 rows, ゆうちょ 7)


@dataclass(frozen=True)
class Layout:
    name: str
    label_ja: str  # a msgid (N_): shown through gettext
    mapping: ColumnMapping
    newest_first: bool | None = None  # the bank's usual order; dates decide first
    # Our own export: on a single day the file order is the ledger order, so no
    # guessing from the balance chain.
    order_known: bool = False
    # Our own export: text cells may carry the formula guard's leading quote (csv_cells).
    guarded_text: bool = False
    blank_memo: tuple[str, ...] = ()  # what the bank writes in メモ for "no memo"


@dataclass(frozen=True)
class LayoutSpec:
    """Header names (after NFKC, spaces removed) per field; alternatives in tuples."""

    name: str
    label_ja: str  # a msgid (N_): shown through gettext
    fields: dict[str, tuple[str, ...]]
    also: tuple[str, ...] = ()  # further names that must be present to tell layouts apart
    optional: dict[str, tuple[str, ...]] = field(default_factory=dict)  # read when present
    extra_description: tuple[str, ...] = ()
    newest_first: bool | None = None
    date_parts: tuple[str, str, str] | None = None
    order_known: bool = False
    guarded_text: bool = False
    blank_memo: tuple[str, ...] = ()

    @property
    def weight(self) -> int:
        return len(self.fields) + len(self.also) + len(self.extra_description)


def _f(**names: str | tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {k: (v,) if isinstance(v, str) else v for k, v in names.items()}


MEMO = _f(memo="メモ")  # some files of a bank have it, some (older, shorter) do not


# Sources and quirks are in the shared CSV-format notes; names are post-NFKC, so
# full-width ＩＤ/１/（円） and their half-width variants are the same entry.
SPECS: tuple[LayoutSpec, ...] = (
    LayoutSpec("mufg", N_("三菱UFJ銀行"), _f(date="日付", description="摘要",
               withdrawal="支払い金額", deposit="預かり金額", balance="差引残高"),
               extra_description=("摘要内容",), optional=MEMO),
    LayoutSpec("smbc", N_("三井住友銀行"), _f(date="年月日", withdrawal="お引出し",
               deposit="お預入れ", description="お取り扱い内容", balance="残高"),
               newest_first=True, optional=MEMO),
    LayoutSpec("smbc_wareki", N_("三井住友銀行（旧形式）"), _f(date="年月日(和暦)",
               withdrawal="お引出し", deposit="お預入れ", description="お取り扱い内容",
               balance="残高"), newest_first=True),
    LayoutSpec("mizuho", N_("みずほ銀行"), _f(date="日付", withdrawal="お引出金額",
               deposit="お預入金額", balance="残高", description="お取引内容"),
               also=("明細通番",)),
    LayoutSpec("yucho", N_("ゆうちょ銀行"), _f(date="取引日", deposit="受入金額(円)",
               withdrawal="払出金額(円)", description="詳細1", balance="現在(貸付)高"),
               also=("入出金明細ID",), extra_description=("詳細2",), newest_first=False),
    LayoutSpec("rakuten", N_("楽天銀行"), _f(date="取引日", signed="入出金(円)",
               balance="取引後残高(円)", description="入出金内容")),
    LayoutSpec("rakuten_business", N_("楽天銀行（法人・旧形式）"), _f(date="取引日",
               signed="入出金(円)", balance="残高(円)", description="入出金先内容")),
    LayoutSpec("sumishin_sbi", N_("住信SBIネット銀行"), _f(date="日付", description="内容",
               withdrawal="出金金額(円)", deposit="入金金額(円)", balance="残高(円)"),
               newest_first=True, optional=MEMO, blank_memo=("-",)),
    LayoutSpec("paypay", N_("PayPay銀行"), _f(description="摘要", withdrawal="お支払金額",
               deposit="お預り金額", balance="残高"),
               date_parts=("操作日(年)", "操作日(月)", "操作日(日)"), optional=MEMO),
    LayoutSpec("anser", N_("ANSER形式（地方銀行・みずほ法人）"), _f(date="勘定日",
               value_date="(起算日)", withdrawal=("出金金額(円)", "出金(円)"),
               deposit=("入金金額(円)", "入金(円)"), balance="残高(円)", description="摘要"),
               also=("照会口座",)),
    LayoutSpec("sbi_shinsei", N_("SBI新生銀行"), _f(date="取引日", description="摘要",
               withdrawal="出金金額", deposit="入金金額", balance="残高"), optional=MEMO),
    LayoutSpec("aeon", N_("イオン銀行"), _f(date="日付", description="お取引内容",
               withdrawal="お引出し", deposit="お預入れ", balance="残高(お借入れはマイナス表示)")),
    LayoutSpec("mf_me", N_("マネーフォワード ME"), _f(date="日付", description="内容",
               signed="金額(円)"), also=("計算対象",), optional=MEMO),
    LayoutSpec("tsunagu", N_("Tsunagu書き出し"), _f(date="取引日", value_date="起算日",
               description="摘要", deposit="入金", withdrawal="出金", balance="残高"),
               newest_first=False, order_known=True, optional=MEMO, guarded_text=True),
)


def header_key(cell: str) -> str:
    """How header cells are compared: NFKC, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell or ""))


def match_header(cells: Sequence[str], header_row: int = 0) -> Layout | None:
    """The most specific known layout whose names all appear in this row, if any."""
    keys = [header_key(c) for c in cells]
    best: tuple[int, Layout] | None = None
    for spec in SPECS:
        layout = _try_spec(spec, keys, header_row)
        if layout and (best is None or spec.weight > best[0]):
            best = (spec.weight, layout)
    return best[1] if best else None


def _try_spec(spec: LayoutSpec, keys: list[str], header_row: int) -> Layout | None:
    def find(names: tuple[str, ...]) -> int | None:
        # Exact names only: 入出金明細ＩＤ contains 出金 but is never an amount here.
        return next((keys.index(n) for n in names if n in keys), None)

    cols = {name: find(alts) for name, alts in spec.fields.items()}
    extra = [find((n,)) for n in spec.extra_description]
    parts = [find((n,)) for n in spec.date_parts] if spec.date_parts else []
    needed = [*cols.values(), *extra, *parts, *(find((n,)) for n in spec.also)]
    optional = {name: find(alts) for name, alts in spec.optional.items()}
    if any(c is None for c in needed):
        return None
    date_part_cols = tuple(parts) if parts else None
    mapping = ColumnMapping(
        date_col=cols["date"] if "date" in cols else parts[0],
        description_col=cols["description"],
        deposit_col=cols.get("deposit"),
        withdrawal_col=cols.get("withdrawal"),
        signed_amount_col=cols.get("signed"),
        balance_col=cols.get("balance"),
        value_date_col=cols.get("value_date"),
        header_row=header_row,
        date_part_cols=date_part_cols,  # type: ignore[arg-type]
        description_extra_cols=tuple(c for c in extra if c is not None),
        memo_col=optional.get("memo"),
    )
    return Layout(spec.name, spec.label_ja, mapping, spec.newest_first, spec.order_known,
                  spec.guarded_text, spec.blank_memo)


def find_layout(records: Sequence[Sequence[str]]) -> Layout | None:
    """Scan the first records (skipping preambles) for a known header row."""
    for index, cells in enumerate(records[:HEADER_SCAN_ROWS]):
        layout = match_header(cells, header_row=index)
        if layout:
            return layout
    return None
