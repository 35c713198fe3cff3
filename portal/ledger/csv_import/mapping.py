"""Which column holds what: the mapping a layout implies or a user chose."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

MAPPING_VERSION = 1


@dataclass(frozen=True)
class ColumnMapping:
    """0-based column indexes. Exactly one amount style: signed, or deposit/withdrawal.

    header_row is the 0-based record index of the header (-1: the file has none).
    date_part_cols holds (year, month, day) columns for files that split the date
    (PayPay, freee's template); date_col then names the year column.
    description_extra_cols are appended to the description (三菱UFJ 摘要内容, ゆうちょ 詳細２).
    memo_col is the bank's メモ column, kept beside the description, never part of identity.
    """

    date_col: int
    description_col: int
    deposit_col: int | None = None
    withdrawal_col: int | None = None
    signed_amount_col: int | None = None
    balance_col: int | None = None
    value_date_col: int | None = None
    header_row: int = 0
    date_format: str | None = None  # strptime format; None reads every known style
    date_part_cols: tuple[int, int, int] | None = None
    description_extra_cols: tuple[int, ...] = field(default_factory=tuple)
    memo_col: int | None = None

    def __post_init__(self) -> None:
        split = self.deposit_col is not None or self.withdrawal_col is not None
        if (self.signed_amount_col is not None) == split:
            raise ValueError("use either signed_amount_col or deposit_col/withdrawal_col")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("header_row", "date_format"):
                continue
            items = value if isinstance(value, tuple) else (value,)
            if any(v is not None and (not isinstance(v, int) or v < 0) for v in items):
                raise ValueError(f"{f.name}: column indexes are integers ≥ 0")
        if not isinstance(self.header_row, int) or self.header_row < -1:
            raise ValueError("header_row must be an integer ≥ -1")
        if self.date_format is not None and not isinstance(self.date_format, str):
            raise ValueError("date_format must be a string or None")
        if self.date_part_cols is not None and len(self.date_part_cols) != 3:
            raise ValueError("date_part_cols is (year, month, day)")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, remembered per account by the caller."""
        data = asdict(self)
        data["date_part_cols"] = list(self.date_part_cols) if self.date_part_cols else None
        data["description_extra_cols"] = list(self.description_extra_cols)
        data["version"] = MAPPING_VERSION
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnMapping:
        """Rebuild from to_dict output; unknown keys are ignored, bad values raise ValueError."""
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        if kwargs.get("date_part_cols") is not None:
            kwargs["date_part_cols"] = tuple(kwargs["date_part_cols"])
        kwargs["description_extra_cols"] = tuple(kwargs.get("description_extra_cols") or ())
        try:
            return cls(**kwargs)
        except TypeError as exc:  # missing required keys
            raise ValueError(str(exc)) from None
