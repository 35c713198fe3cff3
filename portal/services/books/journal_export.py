"""Journal exports: the booked entries of a period (and accounts) as bookkeeping.entry
JournalEntry objects, the contract every journal-file format reads. Each export is recorded
with the entries it held and a content hash of each, so that "only what is new since the
last export" leaves out what went before, and an entry changed after it went out (edited,
flagged, undone) is reported. No files are written here."""
import hashlib
import json
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import exists, func
from sqlmodel import Session, select

from ...bookkeeping.entry import EntryKind, JournalEntry, Side
from ...bookkeeping.tax_classes import TAX_CLASSES, included_tax
from ...ledger.messages import N_
from ...models import (
    BookCounterparty,
    BookDepartment,
    BookEntry,
    BookExport,
    BookExportItem,
    BookLine,
    BookSubAccount,
    BookTag,
    BookTitle,
)
from ...models.vocabulary import BookingState, ExportChange
from .common import BooksError, join_ids, owned, split_ids

FORMAT_KEY_MAX = 40


def entry_code(entry_id: int) -> str:
    """Our id of an entry as the files carry it: stable across exports."""
    return f"TSU-{entry_id:06d}"


@dataclass(frozen=True)
class JournalExport:
    export: BookExport
    entries: list[JournalEntry]


@dataclass(frozen=True)
class ChangedEntry:
    entry_id: int
    entry_code: str
    export_id: int  # the latest export that held it
    change: ExportChange
    exported_version: int
    current_version: int | None  # None: undone


def content_hash(entry: JournalEntry) -> str:
    data = json.dumps(asdict(entry), default=str, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


class _Names:
    """The office's master names, read once per export."""

    def __init__(self, session: Session, office_id: int):
        def names(model):
            return dict(session.exec(select(model.id, model.name).where(model.office_id == office_id)).all())
        self.titles, self.subs = names(BookTitle), names(BookSubAccount)
        self.counterparties, self.departments = names(BookCounterparty), names(BookDepartment)
        self.tags = names(BookTag)


def _journal_entry(entry: BookEntry, names: _Names) -> JournalEntry:
    dept = names.departments.get(entry.department_id, "")

    def side(title_id, sub_id, *, taxed: bool) -> Side:
        key = entry.tax_class_key if taxed else "out_of_scope"
        taxable = TAX_CLASSES.get(key) is not None and TAX_CLASSES[key].rate_percent > 0
        return Side(names.titles.get(title_id, ""), entry.amount, names.subs.get(sub_id, ""),
                    dept if taxed else "", key,
                    included_tax(entry.amount, key) if taxable else None)

    kind = EntryKind(entry.kind)
    income, transfer = kind == EntryKind.INCOME, kind == EntryKind.TRANSFER
    # The bank account: the debit side of 入金, the credit side of 出金 and of 口座振替 (the
    # account the money left).
    debit = side(entry.debit_title_id, entry.debit_sub_id, taxed=not income and not transfer)
    credit = side(entry.credit_title_id, entry.credit_sub_id, taxed=income)
    bank = debit if income else credit
    return JournalEntry(
        entry_id=entry_code(entry.id), date=entry.entry_date, kind=kind, debit=debit, credit=credit,
        description=entry.description, counterparty=names.counterparties.get(entry.counterparty_id, ""),
        memo=entry.memo, tags=tuple(names.tags[t] for t in split_ids(entry.tag_ids) if t in names.tags),
        settlement_account=bank.sub_account or bank.account_title)


def journal_entries(session: Session, office_id: int, entries: list[BookEntry]) -> list[JournalEntry]:
    names = _Names(session, office_id)
    return [_journal_entry(e, names) for e in entries if e.office_id == office_id]


def _selected(session: Session, office_id: int, period_from: date, period_to: date,
              account_ids: list[int] | None, only_new: bool,
              kinds: Collection[EntryKind] | None = None) -> list[BookEntry]:
    if period_from > period_to:
        raise BooksError("bad_period", N_("期間が正しくありません。"))
    q = select(BookEntry).where(BookEntry.office_id == office_id,
                                BookEntry.state == BookingState.BOOKED,
                                BookEntry.entry_date >= period_from, BookEntry.entry_date <= period_to)
    if account_ids:
        q = q.where(exists().where(BookLine.entry_id == BookEntry.id, BookLine.office_id == office_id,
                                   BookLine.account_id.in_(account_ids)))
    if only_new:
        q = q.where(~exists().where(BookExportItem.office_id == office_id,
                                    BookExportItem.entry_id == BookEntry.id))
    if kinds is not None:
        q = q.where(BookEntry.kind.in_([EntryKind(k) for k in kinds]))
    return list(session.exec(q.order_by(BookEntry.entry_date, BookEntry.id)))


def preview_journal(session: Session, office_id: int, *, period_from: date, period_to: date,
                    account_ids: list[int] | None = None, only_new: bool = False,
                    kinds: Collection[EntryKind] | None = None) -> list[JournalEntry]:
    """What export_journal would return, recording nothing."""
    return journal_entries(session, office_id, _selected(session, office_id, period_from,
                                                         period_to, account_ids, only_new, kinds))


def export_journal(session: Session, office_id: int, *, format_key: str, period_from: date,
                   period_to: date, account_ids: list[int] | None = None, only_new: bool = False,
                   user_id: int | None = None, kinds: Collection[EntryKind] | None = None,
                   check: Callable[[JournalEntry], None] | None = None) -> JournalExport:
    """The booked entries of the period (dated within it; of the accounts when given; only
    those never exported before with only_new; of those kinds when given: a format that
    takes only some kinds, such as freee's 取引 and 口座振替 files, must not record the
    others as exported), in date order, and the export recorded with each entry's version
    and content hash. `check` is called on every entry before anything is recorded: what it
    raises propagates and nothing is recorded. Commits."""
    format_key = (format_key or "").strip()
    if not format_key or len(format_key) > FORMAT_KEY_MAX:
        raise BooksError("bad_format", N_("出力形式が正しくありません。"))
    rows = _selected(session, office_id, period_from, period_to, account_ids, only_new, kinds)
    entries = journal_entries(session, office_id, rows)
    if check is not None:
        for entry in entries:
            check(entry)
    record = BookExport(office_id=office_id, user_id=user_id, format_key=format_key,
                        period_from=period_from, period_to=period_to,
                        account_ids=join_ids(sorted(set(account_ids or ()))), only_new=only_new,
                        entry_count=len(entries))
    session.add(record)
    session.flush()
    session.add_all([BookExportItem(office_id=office_id, export_id=record.id, entry_id=row.id,
                                    version=row.version, content_hash=content_hash(je))
                     for row, je in zip(rows, entries, strict=True)])
    session.commit()
    return JournalExport(record, entries)


def list_exports(session: Session, office_id: int, limit: int = 50) -> list[BookExport]:
    return list(session.exec(select(BookExport).where(BookExport.office_id == office_id)
                             .order_by(BookExport.id.desc()).limit(limit)))


def export_entries(session: Session, office_id: int, export_id: int) -> list[BookExportItem]:
    owned(session, office_id, BookExport, export_id)
    return list(session.exec(select(BookExportItem).where(
        BookExportItem.office_id == office_id, BookExportItem.export_id == export_id)
        .order_by(BookExportItem.id)))


def against_now(session: Session, office_id: int, items: list[BookExportItem]):
    """Each export item with its entry now (None: gone), the entry as a file would hold it
    now (booked ones only) and how it changed since the export (None: not at all): undone
    (gone, or no longer booked), flagged, or edited (its content hash differs)."""
    rows = {e.id: e for e in session.exec(select(BookEntry).where(
        BookEntry.office_id == office_id, BookEntry.id.in_([i.entry_id for i in items])))} if items else {}
    booked = [e for e in rows.values() if e.state == BookingState.BOOKED]
    now = dict(zip((e.id for e in booked), journal_entries(session, office_id, booked), strict=True))
    for item in items:
        entry = rows.get(item.entry_id)
        if entry is None or entry.state == BookingState.SKIPPED:
            yield item, entry, None, ExportChange.UNDONE
        elif entry.state == BookingState.FLAGGED:
            yield item, entry, None, ExportChange.FLAGGED
        else:
            written = now[entry.id]
            yield item, entry, written, (ExportChange.EDITED if content_hash(written) != item.content_hash
                                         else None)


def changed_after_export(session: Session, office_id: int) -> list[ChangedEntry]:
    """Every exported entry that is no longer what its latest export held: edited (its
    content differs), flagged, or undone (gone, or no longer booked). Ordered by entry id."""
    latest = select(BookExportItem.entry_id, func.max(BookExportItem.id).label("item_id")).where(
        BookExportItem.office_id == office_id).group_by(BookExportItem.entry_id).subquery()
    items = list(session.exec(select(BookExportItem).join(latest, latest.c.item_id == BookExportItem.id)
                              .where(BookExportItem.office_id == office_id)
                              .order_by(BookExportItem.entry_id)))
    if not items:
        return []
    out = []
    for item, entry, _now, change in against_now(session, office_id, items):
        if change is not None:
            out.append(ChangedEntry(item.entry_id, entry_code(item.entry_id), item.export_id, change,
                                    item.version, None if entry is None else entry.version))
    return out
