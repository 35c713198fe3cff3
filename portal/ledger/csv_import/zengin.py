"""全銀協 入出金取引明細 (種別コード 03): fixed 200-byte records and the CSV variant.

Only data records (区分 2) become rows; header (1), trailer (8) and end (9) records
are recognised and passed over, because the field positions given for them beyond
預金種目 are unconfirmed. balance_after stays None for the same reason.
Dates are 和暦 YYMMDD; without an era letter, YY ≥ 31 is read as 平成 (H31 = 2019)
and anything lower as 令和, so files from 平成30 (2018) and earlier are not supported.
"""

from __future__ import annotations

from datetime import date

from ..messages import N_, Message
from .dates import era_date
from .errors import CsvFormatError, ValueFormatError
from .records import Record
from .rows import ParsedRow, RowError

RECORD_BYTES = 200
# Data record fields in order, with their widths in bytes (sum 200).
DATA_FIELDS: tuple[tuple[str, int], ...] = (
    ("kind", 1), ("inquiry_no", 8), ("account_date", 6), ("value_date", 6),
    ("in_out", 1), ("transaction_type", 2), ("amount", 12), ("other_bank_cheques", 12),
    ("exchange_date", 6), ("dishonour_date", 6), ("bill_type", 1), ("bill_no", 7),
    ("branch_no", 3), ("payer_code", 10), ("payer_name", 48), ("sending_bank", 15),
    ("sending_branch", 15), ("memo", 20), ("edi", 20), ("dummy", 1),
)
TYPE_LABELS = {"10": "現金", "11": "振込", "12": "他店券入金", "13": "交換", "14": "振替",
               "18": "その他", "19": "訂正"}
CORRECTION = "19"  # 訂正 reverses the sign of 入払区分


def is_fixed(raw: bytes) -> bool:
    first = raw.split(b"\n", 1)[0].rstrip(b"\r")
    return raw.startswith(b"103") and len(first) >= RECORD_BYTES


def is_csv(records: list[Record]) -> bool:
    first = next((r for r in records if not r.blank), None)
    return first is not None and [c.strip() for c in first.cells[:2]] == ["1", "03"]


def split_fixed(raw: bytes) -> list[tuple[int, bytes]]:
    """(record number or line, bytes): by line breaks when present, else every 200 bytes."""
    body = raw.rstrip(b"\x1a")
    if b"\n" in body or b"\r" in body:
        lines = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        return [(n, line) for n, line in enumerate(lines, 1) if line.strip()]
    return [(n // RECORD_BYTES + 1, body[n : n + RECORD_BYTES])
            for n in range(0, len(body), RECORD_BYTES)]


def fixed_fields(record: bytes) -> tuple[str, ...]:
    out, pos = [], 0
    for _, width in DATA_FIELDS:
        out.append(record[pos : pos + width].decode("cp932").strip())  # JIS8 ⊂ cp932
        pos += width
    return tuple(out)


def wareki_yymmdd(text: str) -> date | None:
    digits = text.strip()
    if not digits or set(digits) == {"0"}:
        return None
    if len(digits) != 6 or not digits.isdigit():
        raise _bad_date(text)
    yy, mm, dd = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    try:
        return era_date("H" if yy >= 31 else "R", yy, mm, dd)
    except ValueError:
        raise _bad_date(text) from None


def _bad_date(text: str) -> ValueFormatError:
    return ValueFormatError(N_("日付を読み取れません:「%(text)s」"), {"text": text})


def data_row(line_no: int, cells: tuple[str, ...]) -> ParsedRow:
    f = dict(zip((name for name, _ in DATA_FIELDS), cells, strict=False))
    when = wareki_yymmdd(f.get("account_date", ""))
    if when is None:
        raise ValueFormatError(N_("勘定日がありません"))
    amount_text = f.get("amount", "")
    if not amount_text.isdigit():
        raise ValueFormatError(N_("金額を読み取れません:「%(text)s」"), {"text": amount_text})
    sign = {"1": 1, "2": -1}.get(f.get("in_out", ""))
    if sign is None:
        raise ValueFormatError(N_("入払区分が不正です:「%(value)s」"), {"value": f.get("in_out", "")})
    kind = f.get("transaction_type", "")
    if kind == CORRECTION:
        sign = -sign
    text = " ".join(p for p in (f.get("memo", ""), f.get("payer_name", "")) if p)
    description = text or TYPE_LABELS.get(kind, "")
    value_date = wareki_yymmdd(f.get("value_date", ""))
    return ParsedRow(line_no, when, value_date, sign * int(amount_text), description, None, cells)


Unit = tuple[int, "tuple[str, ...] | Message"]  # (line, cells), or (line, error message)


def read_zengin(units: list[Unit]) -> tuple[list[ParsedRow], list[RowError]]:
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    headers = 0
    for line_no, cells in units:
        if isinstance(cells, Message):
            errors.append(RowError(line_no, cells.msgid, cells.params))
            continue
        kind = cells[0] if cells else ""
        if kind == "1":
            headers += 1
        elif kind == "2":
            try:
                rows.append(data_row(line_no, cells))
            except ValueFormatError as exc:
                errors.append(RowError(line_no, exc.msgid, exc.params))
        elif kind not in ("8", "9"):
            errors.append(RowError(line_no, N_("データ区分が不正です:「%(kind)s」"), {"kind": kind}))
    if headers > 1:
        raise CsvFormatError(
            "several_accounts",
            N_("このファイルには複数の口座の明細が含まれています。口座ごとに分けて取り込んでください。"),
        )
    return rows, errors


def fixed_units(raw: bytes) -> list[Unit]:
    units: list[Unit] = []
    for line_no, record in split_fixed(raw):
        if len(record) != RECORD_BYTES:
            wrong_length = Message(N_("レコード長が%(bytes)sバイトではありません"), {"bytes": RECORD_BYTES})
            units.append((line_no, wrong_length))
        elif record[:1] != b"2":
            units.append((line_no, (record[:1].decode("ascii", "replace"),)))
        else:
            try:
                units.append((line_no, fixed_fields(record)))
            except UnicodeDecodeError:
                units.append((line_no, Message(N_("文字を読み取れません（JIS8 ではありません）"))))
    return units


def csv_units(records: list[Record]) -> list[Unit]:
    return [(r.line_no, tuple(c.strip() for c in r.cells)) for r in records if not r.blank]
