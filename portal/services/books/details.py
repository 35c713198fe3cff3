"""What the bookkeeping pages show beside the entries: the office's master names, what
changed at the bank for a flagged entry, who made each export, and a past export written
again exactly as it went out (or why it cannot be)."""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from ...bookkeeping.entry import JournalEntry
from ...models import (
    BookCounterparty,
    BookDepartment,
    BookEntry,
    BookExport,
    BookLine,
    BookSubAccount,
    BookTag,
    BookTaxClass,
    BookTitle,
    Membership,
    Statement,
    User,
)
from ...models.vocabulary import BookingState, ExportChange
from .common import owned
from .journal_export import against_now, entry_code, export_entries


@dataclass(frozen=True)
class Names:
    """id → name of each master of the office (inactive ones too: old entries name them)."""

    titles: dict[int, str]
    subs: dict[int, str]
    tax_classes: dict[str, str]  # key → the office's name
    counterparties: dict[int, str]
    departments: dict[int, str]
    tags: dict[int, str]


def names(session: Session, office_id: int) -> Names:
    def of(model):
        return dict(session.exec(select(model.id, model.name).where(model.office_id == office_id)).all())

    taxes = dict(session.exec(select(BookTaxClass.key, BookTaxClass.name)
                              .where(BookTaxClass.office_id == office_id)).all())
    return Names(of(BookTitle), of(BookSubAccount), taxes, of(BookCounterparty),
                 of(BookDepartment), of(BookTag))


@dataclass(frozen=True)
class LineChange:
    """One statement of a flagged entry: the values it was booked on and the bank's now."""

    line: BookLine
    statement: Statement | None  # None: the statement left the ledger

    @property
    def removed(self) -> bool:
        return self.statement is None

    @property
    def date_changed(self) -> bool:
        return self.statement is not None and self.statement.transaction_date != self.line.transaction_date

    @property
    def amount_changed(self) -> bool:
        return self.statement is not None and self.statement.amount != self.line.amount

    @property
    def description_changed(self) -> bool:
        return self.statement is not None and self.statement.description_norm != self.line.description_norm


def line_changes(session: Session, office_id: int,
                 entries: Iterable[BookEntry]) -> dict[int, list[LineChange]]:
    """entry id → its lines beside their statements, for the flagged ones of `entries`."""
    flagged = [e.id for e in entries if e.state == BookingState.FLAGGED and e.office_id == office_id]
    if not flagged:
        return {}
    lines = list(session.exec(select(BookLine).where(BookLine.office_id == office_id,
                                                     BookLine.entry_id.in_(flagged))
                              .order_by(BookLine.entry_id, BookLine.id)))
    ids = [ln.statement_id for ln in lines if ln.statement_id is not None]
    statements = {s.id: s for s in session.exec(select(Statement).where(
        Statement.office_id == office_id, Statement.id.in_(ids)))} if ids else {}
    out: dict[int, list[LineChange]] = {}
    for ln in lines:
        out.setdefault(ln.entry_id, []).append(LineChange(ln, statements.get(ln.statement_id)))
    return out


def user_emails(session: Session, office_id: int, user_ids: Iterable[int | None]) -> dict[int, str]:
    """The e-mail of each of the office's users among `user_ids` (a user who left is absent)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(session.exec(select(User.id, User.email).join(Membership, Membership.user_id == User.id)
                             .where(Membership.office_id == office_id, User.id.in_(ids))).all())


@dataclass(frozen=True)
class ChangedSince:
    entry_id: int
    entry_code: str
    change: ExportChange


@dataclass(frozen=True)
class ExportCopy:
    """A past export again: its entries as they are now, written only when none changed
    since (else the file would not be what went out)."""

    export: BookExport
    entries: list[JournalEntry]
    changed: list[ChangedSince]

    @property
    def period(self) -> tuple[date, date]:
        return self.export.period_from, self.export.period_to


def export_copy(session: Session, office_id: int, export_id: int) -> ExportCopy:
    """The entries export `export_id` held, in its order, and those changed since it
    (edited, flagged, undone), compared with the content hash it recorded. NotFound for
    another office's export."""
    export = owned(session, office_id, BookExport, export_id)
    items = export_entries(session, office_id, export_id)
    entries, changed = [], []
    for item, _entry, written, change in against_now(session, office_id, items):
        if change is None:
            entries.append(written)
        else:
            changed.append(ChangedSince(item.entry_id, entry_code(item.entry_id), change))
    return ExportCopy(export, entries, changed)
