"""Statement files into an account: preview, then an idempotent import.

Policy (one, always): rows that cannot be read are left out and listed with their line
numbers; every other row is imported. Identity is the fingerprint of rule (b): rows are
counted per key against what the account already holds over the file's dates, so a
re-import adds nothing while identical same-day rows inside one file are all kept.
API accounts take files only for their missing range (gap_from..gap_to), and only the
rows inside it: the bank API holds the rest.
Each import is recorded (StatementImport) and the rows it added carry its id, so it can be
undone as a whole (services.imports).
The preview reads the file in one pass and keeps only what it shows (ledger summarise); the
import writes in batches of BATCH rows: no query grows with the file, and neither step grows
with the account's ledger.
"""
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlmodel import Session, select

from ..banks.registry import BankRegistry
from ..ledger.csv_import import ColumnMapping, FileSummary, ParsedRow, parse, summarise
from ..ledger.fingerprint import Insertion, dedup_key, rows_to_insert
from ..ledger.normalize import norm_description
from ..models import Account, Statement, StatementAlias, StatementImport
from ..models.vocabulary import StatementSource, SyncMethod
from . import balances, csv_mapping, ledger_stats
from .manual_entries import clean_memo
from .statements import insert_statements

FILE_NAME_MAX = 255  # StatementImport.file_name
BATCH = 1000  # rows per insert: one alias lookup and one executemany each


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
    file: FileSummary
    new: int  # rows the import would add
    held: int  # rows the account holds already
    statuses: dict[int, str]  # line of each row shown → new, held or outside

    def status(self, row: ParsedRow) -> str:
        return self.statuses[row.line_no]

    @property
    def outside(self) -> int:
        """Rows outside the missing range of an API account."""
        return self.file.outside


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


def _inside(account: Account):
    """For an API account, the rows of its missing range; None: every row."""
    if account.sync_method != SyncMethod.API:
        return None
    return lambda r: account.gap_from <= r.transaction_date <= account.gap_to


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
    # Streamed in batches: a re-imported year is many rows, none of them needed after counting.
    for sid, d, vd, amount, text, bal in session.exec(select(
            Statement.id, Statement.transaction_date, Statement.value_date, Statement.amount,
            Statement.description, Statement.balance_after).where(*window)
            .execution_options(yield_per=BATCH)):
        counts[dedup_key(_Stored(d, vd, amount, earlier.get(sid, text), bal))] += 1
    return counts


def preview(session: Session, account: Account, raw: bytes, mapping: ColumnMapping | None) -> Preview:
    """Read the file once (CsvFormatError for one that cannot be read at all) and count what
    an import would add: per key, the file's rows beyond those the account holds."""
    check_importable(account)
    inside = _inside(account)
    summary = summarise(raw, mapping, inside=inside)
    stored = stored_counts(session, account, summary.lo, summary.hi) if summary.counted else Counter()
    new = sum(max(0, n - stored[key]) for key, n in summary.keys.items())
    statuses, seen = {}, Counter()
    for row in summary.shown:  # the first rows oldest first: numbered as rows_to_insert does
        if inside is not None and not inside(row):
            statuses[row.line_no] = "outside"
            continue
        key = dedup_key(row)
        seen[key] += 1
        statuses[row.line_no] = "new" if seen[key] > stored[key] else "held"
    return Preview(summary, new, summary.counted - new, statuses)


def commit_import(session: Session, account: Account, raw: bytes, mapping: ColumnMapping | None, *,
                  registry: BankRegistry, gap_complete: bool = False,
                  file_name: str = "") -> ImportOutcome:
    """Insert the new rows as one recorded import, remember the mapping, mark a manual
    account at an API bank as legacy (so it offers the switch), close the missing range
    when filled, and carry the balances forward."""
    check_importable(account)
    result = parse(raw, mapping, policy="keep_good")
    inside = _inside(account)
    rows = result.rows if inside is None else [r for r in result.rows if inside(r)]
    counts = stored_counts(session, account, min(r.transaction_date for r in rows),
                           max(r.transaction_date for r in rows)) if rows else Counter()
    new = rows_to_insert(rows, counts)
    batch = StatementImport(office_id=account.office_id, account_id=account.id,
                            file_name=file_name.strip()[:FILE_NAME_MAX], layout=result.layout_name,
                            errors=len(result.unreadable))
    session.add(batch)
    session.flush()
    became_legacy = account.sync_method == SyncMethod.MANUAL and registry.get(account.bank_code) is not None
    if became_legacy:
        account.sync_method = SyncMethod.LEGACY
    source = StatementSource.LEGACY if account.sync_method == SyncMethod.LEGACY else StatementSource.CSV
    # Counted from what the database inserted: exact whatever the key or an alias skipped.
    added, written = 0, {}
    for rows_batch in _batches(batch.id, source, new):
        stored = insert_statements(session, account, rows_batch)
        ledger_stats.by_day(stored, into=written)
        added += stored.added
    ledger_stats.touched(session, account.id, {i.row.transaction_date for i in new}, written=written)
    held = len(rows) - added
    batch.added, batch.held = added, held
    if result.layout_name == "custom" and result.mapping is not None:
        account.csv_mapping = csv_mapping.remember(result.mapping, raw)
    gap_cleared = False
    ends = (rows[0].transaction_date, rows[-1].transaction_date) if rows else None
    if account.gap_from is not None and (gap_complete or gap_filled(session, account, ends)):
        account.gap_from = account.gap_to = None
        gap_cleared = True
    # Counted up in SQL, not recounted: the work stays the file's, however long the ledger.
    account.statement_count = Account.statement_count + added
    balances.after_write(session, account, min((i.row.transaction_date for i in new), default=None))
    session.commit()
    return ImportOutcome(added, held, len(result.unreadable), gap_cleared, became_legacy)


def _batches(import_id: int, source: StatementSource, new: list[Insertion]) -> Iterator[list[dict]]:
    """The new rows as statements.insert_statements takes them, BATCH at a time, in file
    order (oldest first), so ids keep the ledger order of same-day rows."""
    norms = {}  # a file repeats its descriptions: each is normalised once
    for start in range(0, len(new), BATCH):
        out = []
        for i in new[start:start + BATCH]:
            r = i.row
            norm = norms.get(r.description)
            if norm is None:
                norm = norms[r.description] = norm_description(r.description)
            out.append({"transaction_date": r.transaction_date, "value_date": r.value_date,
                        "amount": r.amount, "description": r.description, "description_norm": norm,
                        "balance_after": r.balance_after, "balance_derived": False, "source": source,
                        "memo": clean_memo(r.memo), "sync_run_id": None, "import_id": import_id,
                        "dedupe_key": f"csv:{i.fingerprint}"})
        yield out


def gap_filled(session: Session, account: Account, ends: tuple[date, date] | None) -> bool:
    """The file reaches both ends of the missing range, or the balances across it add up.
    `ends`: the dates of the file's first and last row inside the range, oldest first."""
    if ends is None:
        return False
    if ends[0] <= account.gap_from and ends[1] >= account.gap_to:
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
