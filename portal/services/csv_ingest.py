"""Statement files into an account: preview, then an idempotent import.

Policy (one, always): rows that cannot be read are left out and listed with their line
numbers; every other row is imported. Identity is the fingerprint of rule (b): rows are
counted per key against what the account already holds over the file's dates, so a
re-import adds nothing while identical same-day rows inside one file are all kept.
API accounts take files only for their missing range (gap_from..gap_to), and only the
rows inside it: the bank API holds the rest.
Each import is recorded (StatementImport) and the rows it added carry its id, so it can be
undone as a whole (services.imports).
"""
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlmodel import Session, select

from ..banks.registry import BankRegistry
from ..ledger.csv_import import ColumnMapping, ParsedRow, ParseResult, parse
from ..ledger.fingerprint import Insertion, dedup_key, rows_to_insert
from ..models import Account, Statement, StatementAlias, StatementImport
from ..models.vocabulary import StatementSource, SyncMethod
from . import balances, csv_mapping
from .manual_entries import clean_memo
from .statements import count_statements, upsert_statements

FILE_NAME_MAX = 255  # StatementImport.file_name


class ImportRefused(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code  # api_account: an API account without a missing range


class _Stored(NamedTuple):
    transaction_date: date
    value_date: date | None
    amount: int
    description: str
    balance_after: int | None


@dataclass
class Preview:
    result: ParseResult
    new: list[Insertion]
    held: int
    outside: set[int] = field(default_factory=set)  # lines outside the missing range
    new_lines: set[int] = field(default_factory=set)

    def status(self, row: ParsedRow) -> str:
        if row.line_no in self.new_lines:
            return "new"
        return "outside" if row.line_no in self.outside else "held"

    @property
    def inside(self) -> list[ParsedRow]:
        return [r for r in self.result.rows if r.line_no not in self.outside]


@dataclass(frozen=True)
class ImportOutcome:
    added: int
    held: int
    errors: int
    gap_cleared: bool
    became_legacy: bool


def check_importable(account: Account) -> None:
    if account.sync_method == SyncMethod.API and account.gap_from is None:
        raise ImportRefused("api_account")


def stored_counts(session: Session, account: Account, lo: date, hi: date) -> Counter:
    """Rows the account holds per fingerprint key over [lo, hi], any source.

    A row linked to an API key after a cutover counts under the text it came with.
    """
    window = (Statement.account_id == account.id, Statement.transaction_date >= lo,
              Statement.transaction_date <= hi)
    earlier = dict(session.exec(
        select(StatementAlias.statement_id, StatementAlias.previous_description)
        .join(Statement, Statement.id == StatementAlias.statement_id)
        .where(*window, StatementAlias.previous_description.is_not(None))).all())
    counts: Counter = Counter()
    for sid, d, vd, amount, text, bal in session.exec(select(
            Statement.id, Statement.transaction_date, Statement.value_date, Statement.amount,
            Statement.description, Statement.balance_after).where(*window)):
        counts[dedup_key(_Stored(d, vd, amount, earlier.get(sid, text), bal))] += 1
    return counts


def preview(session: Session, account: Account, raw: bytes, mapping: ColumnMapping | None) -> Preview:
    """Parse (CsvFormatError for a file that cannot be read at all) and sort rows out."""
    check_importable(account)
    result = parse(raw, mapping, policy="keep_good")
    rows, outside = result.rows, set()
    if account.sync_method == SyncMethod.API:
        outside = {r.line_no for r in rows
                   if not account.gap_from <= r.transaction_date <= account.gap_to}
        rows = [r for r in rows if r.line_no not in outside]
    if not rows:
        return Preview(result, [], 0, outside)
    counts = stored_counts(session, account, min(r.transaction_date for r in rows),
                           max(r.transaction_date for r in rows))
    new = rows_to_insert(rows, counts)
    return Preview(result, new, len(rows) - len(new), outside, {i.row.line_no for i in new})


def commit_import(session: Session, account: Account, raw: bytes, mapping: ColumnMapping | None, *,
                  registry: BankRegistry, gap_complete: bool = False,
                  file_name: str = "") -> ImportOutcome:
    """Insert the new rows as one recorded import, remember the mapping, mark a manual
    account at an API bank as legacy (so it offers the switch), close the missing range
    when filled, and carry the balances forward."""
    p = preview(session, account, raw, mapping)
    batch = StatementImport(office_id=account.office_id, account_id=account.id,
                            file_name=file_name.strip()[:FILE_NAME_MAX], layout=p.result.layout_name,
                            errors=len(p.result.unreadable))
    session.add(batch)
    session.flush()
    became_legacy = account.sync_method == SyncMethod.MANUAL and registry.get(account.bank_code) is not None
    if became_legacy:
        account.sync_method = SyncMethod.LEGACY
    source = StatementSource.LEGACY if account.sync_method == SyncMethod.LEGACY else StatementSource.CSV
    rows = [{"transaction_date": i.row.transaction_date, "value_date": i.row.value_date,
             "amount": i.row.amount, "description": i.row.description,
             "balance_after": i.row.balance_after, "source": source,
             "memo": clean_memo(i.row.memo), "import_id": batch.id,
             "dedupe_key": f"csv:{i.fingerprint}"} for i in p.new]
    added = upsert_statements(session, account, rows)
    held = p.held + len(p.new) - added
    batch.added, batch.held = added, held
    if p.result.layout_name == "custom" and p.result.mapping is not None:
        account.csv_mapping = csv_mapping.remember(p.result.mapping, raw)
    gap_cleared = False
    if account.gap_from is not None and (gap_complete or gap_filled(session, account, p)):
        account.gap_from = account.gap_to = None
        gap_cleared = True
    account.statement_count = count_statements(session, account.id)
    balances.after_write(session, account, min((r["transaction_date"] for r in rows), default=None))
    session.commit()
    return ImportOutcome(added, held, len(p.result.unreadable), gap_cleared, became_legacy)


def gap_filled(session: Session, account: Account, p: Preview) -> bool:
    """The file reaches both ends of the missing range, or the balances across it add up."""
    inside = p.inside
    if not inside:
        return False
    if inside[0].transaction_date <= account.gap_from and inside[-1].transaction_date >= account.gap_to:
        return True
    before = session.exec(select(Statement).where(
        Statement.account_id == account.id, Statement.transaction_date < account.gap_from)
        .order_by(Statement.transaction_date.desc(), Statement.id.desc())).first()
    after = session.exec(select(Statement).where(
        Statement.account_id == account.id, Statement.transaction_date > account.gap_to)
        .order_by(Statement.transaction_date, Statement.id)).first()
    if before is None or after is None or None in (before.balance_after, after.balance_after):
        return False
    amounts = session.exec(select(Statement.amount).where(
        Statement.account_id == account.id, Statement.transaction_date >= account.gap_from,
        Statement.transaction_date <= account.gap_to)).all()
    return before.balance_after + sum(amounts) + after.amount == after.balance_after
