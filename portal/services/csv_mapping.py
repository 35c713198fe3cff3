"""The column-mapping step: what each column holds, proposed, chosen, and remembered per account.

The mapping is remembered together with the header row it was chosen for, so the next
file of the same shape goes straight to the preview, and a file of another shape is
never read with a mapping meant for a different one.
"""
import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from ..ledger.csv_import import ColumnMapping, CsvFormatError, decode, guess_mapping
from ..ledger.csv_import.layouts import HEADER_SCAN_ROWS
from ..ledger.csv_import.records import Record, iter_records
from ..models import Account

MAPPING_MAX_CHARS = 2000  # Account.csv_mapping
SAMPLE_ROWS = 3
MAX_COLUMNS = 60  # wider files are not statements; the form stops there
# One role per column; description_extra may repeat (appended to the description).
ROLES = ("", "date", "value_date", "description", "description_extra", "deposit", "withdrawal",
         "signed", "balance", "memo")


class MappingError(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    samples: list[str]


@dataclass(frozen=True)
class Proposal:
    header_row: int  # record index, -1 for no header
    columns: list[Column]
    roles: dict[int, str]


def _records(raw: bytes) -> Iterator[Record]:
    """The file's records one at a time: the mapping step reads its first lines only."""
    return iter_records(decode(raw).text)


def _first(raw: bytes, count: int) -> list[Record]:
    return list(islice(_records(raw), max(count, 0)))


def remember(mapping: ColumnMapping, raw: bytes) -> str:
    header = None
    if mapping.header_row >= 0:
        records = _first(raw, mapping.header_row + 1)
        if mapping.header_row < len(records):
            header = list(records[mapping.header_row].cells)
    text = json.dumps({"mapping": mapping.to_dict(), "header": header}, ensure_ascii=False)
    if len(text) > MAPPING_MAX_CHARS:
        text = json.dumps({"mapping": mapping.to_dict(), "header": None}, ensure_ascii=False)
    return text


def remembered(account: Account) -> tuple[ColumnMapping | None, list[str] | None]:
    try:
        data = json.loads(account.csv_mapping or "null")
        return ColumnMapping.from_dict(data["mapping"]), data.get("header")
    except (ValueError, TypeError, KeyError):
        return None, None


def for_file(account: Account, raw: bytes) -> ColumnMapping | None:
    """The remembered mapping, when this file has the header it was chosen for."""
    mapping, header = remembered(account)
    if mapping is None or header is None:
        return None
    row = mapping.header_row
    records = _first(raw, row + 1)
    return mapping if 0 <= row < len(records) and list(records[row].cells) == header else None


def to_roles(mapping: ColumnMapping) -> dict[int, str]:
    roles = {mapping.date_col: "date", mapping.description_col: "description"}
    for col, role in ((mapping.value_date_col, "value_date"), (mapping.deposit_col, "deposit"),
                      (mapping.withdrawal_col, "withdrawal"), (mapping.signed_amount_col, "signed"),
                      (mapping.balance_col, "balance"), (mapping.memo_col, "memo")):
        if col is not None:
            roles[col] = role
    for col in mapping.description_extra_cols:
        roles[col] = "description_extra"
    return roles


def from_roles(roles: dict[int, str], header_row: int) -> ColumnMapping:
    """Build a mapping from per-column roles; MappingError says what is missing or doubled."""
    by_role: dict[str, list[int]] = {}
    for col, role in sorted(roles.items()):
        if role:
            by_role.setdefault(role, []).append(col)
    for role in ROLES[1:]:
        if role != "description_extra" and len(by_role.get(role, [])) > 1:
            raise MappingError(f"twice:{role}")
    if "date" not in by_role:
        raise MappingError("no_date")
    if "description" not in by_role:
        raise MappingError("no_description")
    split = "deposit" in by_role or "withdrawal" in by_role
    if split == ("signed" in by_role):
        raise MappingError("amount_style")

    def one(role):
        return by_role[role][0] if role in by_role else None

    return ColumnMapping(date_col=one("date"), description_col=one("description"),
                         deposit_col=one("deposit"), withdrawal_col=one("withdrawal"),
                         signed_amount_col=one("signed"), balance_col=one("balance"),
                         value_date_col=one("value_date"), memo_col=one("memo"), header_row=header_row,
                         description_extra_cols=tuple(by_role.get("description_extra", ())))


def propose(account: Account, raw: bytes, header_row: int | None = None) -> Proposal:
    """Columns with samples, and roles prefilled from the remembered mapping or a guess."""
    rest = _records(raw)
    records = list(islice(rest, HEADER_SCAN_ROWS))
    mapping = for_file(account, raw)
    if header_row is None:
        header_row = mapping.header_row if mapping else _find_header(records)
    # The header row and the 50 from it on (their width); samples may lie past blank lines.
    records += islice(rest, max(0, max(header_row, 0) + 50 - len(records)))
    if mapping is None or mapping.header_row != header_row:
        cells = records[header_row].cells if 0 <= header_row < len(records) else ()
        mapping = guess_mapping(cells, header_row) if cells else None
    body = [r for r in records[header_row + 1:] if not r.blank][:SAMPLE_ROWS]
    body += islice((r for r in rest if not r.blank), SAMPLE_ROWS - len(body))
    width = min(max((len(r.cells) for r in records[max(header_row, 0):][:50]), default=0), MAX_COLUMNS)
    header = records[header_row].cells if 0 <= header_row < len(records) else ()
    columns = [Column(i, header[i].strip() if i < len(header) else "",
                      [r.cells[i].strip() for r in body[:SAMPLE_ROWS] if i < len(r.cells)])
               for i in range(width)]
    return Proposal(header_row, columns, to_roles(mapping) if mapping else {})


def _find_header(records: list[Record]) -> int:
    for index, record in enumerate(records[:HEADER_SCAN_ROWS]):
        if guess_mapping(record.cells, index) is not None:
            return index
    return 0


def with_mapping(account: Account, raw: bytes, chosen: dict | None, fn):
    """fn(mapping) with, in this order: the mapping the user chose for this upload; a layout
    recognised from the file itself (None); the account's remembered mapping when the file
    has the header it was chosen for."""
    if chosen:
        try:
            return fn(ColumnMapping.from_dict(chosen))
        except ValueError:
            pass
    try:
        return fn(None)
    except CsvFormatError as exc:
        fallback = for_file(account, raw) if exc.code == "unknown_layout" else None
        if fallback is None:
            raise
        return fn(fallback)
