"""Propose a column mapping for a header no known layout matches (the mapping step)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .layouts import header_key, match_header
from .mapping import ColumnMapping

# Columns that look like amounts by name but are identifiers (ゆうちょ 入出金明細ＩＤ).
_NOT_AMOUNT = re.compile(r"ID|番号|明細|区分|内容|先|日|時刻")
_DATE = re.compile(r"日付|取引日|年月日|勘定日|取扱日|利用日|操作日|発生日|^日$")
_VALUE_DATE = re.compile(r"起算日")
_BALANCE = re.compile(r"残高|現在高")
_WITHDRAWAL = re.compile(r"出金|引出|引落|支払|払出|出し")
_DEPOSIT = re.compile(r"入金|預入|預り|預かり|受入|入れ")
_SIGNED = re.compile(r"^(入出金|取引金額|金額)(\(円\))?$")
_DESCRIPTION = (
    re.compile(r"摘要|取引内容|取り扱い内容|取扱内容|お取引内容"),
    re.compile(r"内容|詳細|概要|取引先|相手先|備考"),
)
_MEMO = re.compile(r"メモ")
_SPLIT_DATE = tuple(re.compile(rf"\({u}\)$|^{u}$") for u in "年月日")


def guess_mapping(header_cells: Sequence[str], header_row: int = 0) -> ColumnMapping | None:
    """Best-effort mapping from header names; None when no date, text or amount is found."""
    known = match_header(header_cells, header_row)
    if known:
        return known.mapping
    keys = [header_key(c) for c in header_cells]
    taken: set[int] = set()

    def pick(pattern: re.Pattern[str], *, amount: bool = False) -> int | None:
        for i, k in enumerate(keys):
            if i in taken or not k or not pattern.search(k):
                continue
            if amount and _NOT_AMOUNT.search(k):
                continue
            taken.add(i)
            return i
        return None

    parts = [pick(p) for p in _SPLIT_DATE]
    date_parts = tuple(parts) if all(p is not None for p in parts) else None
    if date_parts is None:
        taken.difference_update(p for p in parts if p is not None)
    value_date = pick(_VALUE_DATE)
    date = date_parts[0] if date_parts else pick(_DATE)
    balance = pick(_BALANCE, amount=True)
    signed = pick(_SIGNED)
    withdrawal = deposit = None
    if signed is None:
        withdrawal = pick(_WITHDRAWAL, amount=True)
        deposit = pick(_DEPOSIT, amount=True)
    description = pick(_DESCRIPTION[0])
    if description is None:
        description = pick(_DESCRIPTION[1])
    memo = pick(_MEMO)
    if date is None or description is None or (signed, withdrawal, deposit) == (None,) * 3:
        return None
    return ColumnMapping(
        date_col=date,
        description_col=description,
        deposit_col=deposit,
        withdrawal_col=withdrawal,
        signed_amount_col=signed,
        balance_col=balance,
        value_date_col=value_date,
        header_row=header_row,
        date_part_cols=date_parts,  # type: ignore[arg-type]
        memo_col=memo,
    )
