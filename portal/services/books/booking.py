"""Booking statements: confirm one (with edits) or many (with their suggestions), skip, book a
口座振替 pair as one entry, edit, undo (back to the inbox) and resolve a flag.

A statement is held by at most one entry (book_line's unique statement_id): booking one
twice fails in the database, whoever tries. Every entry change raises its version."""
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import delete
from sqlmodel import Session, select

from ...bookkeeping.entry import EntryKind
from ...bookkeeping.rules import direction_of
from ...bookkeeping.transfers import MAX_DAYS
from ...dates import utcnow
from ...ledger.messages import N_
from ...models import (
    BookCounterparty,
    BookDepartment,
    BookEntry,
    BookLine,
    BookTag,
    BookTitle,
    Statement,
)
from ...models.vocabulary import BookingState, SuggestionSource
from .common import BooksError, join_ids, owned
from .inbox import Suggestion, suggestions_for, transfer_partners
from .masters import active_tax_keys, check_title_and_sub, ensure_account_maps, require_setup

SKIP_REASON_MAX = 200


@dataclass(frozen=True)
class ConfirmResult:
    entries: list[BookEntry]  # booked or skipped, in the order asked
    left: list[int]  # statement ids left in the inbox: no suggestion, or already taken


def _statement(session: Session, office_id: int, statement_id: int) -> Statement:
    statement = owned(session, office_id, Statement, statement_id)
    if session.exec(select(BookLine.id).where(BookLine.office_id == office_id,
                                              BookLine.statement_id == statement_id)).first():
        raise BooksError("already_booked", N_("この明細はすでに処理済みです。"))
    if statement.amount == 0:  # no direction, nothing to book: said, not a failed insert
        raise BooksError("zero_amount", N_("金額が0円の明細は記帳できません。"))
    return statement


def _line(office_id: int, entry: BookEntry, s: Statement) -> BookLine:
    return BookLine(office_id=office_id, entry_id=entry.id, statement_id=s.id, account_id=s.account_id,
                    transaction_date=s.transaction_date, amount=s.amount,
                    description_norm=s.description_norm, direction=direction_of(s.amount))


def _check_suggestion(session: Session, office_id: int, sug: Suggestion) -> str:
    """Refuse what the office does not own; the tax key the entry takes."""
    if sug.title_id is None:
        raise BooksError("no_title", N_("勘定科目を選んでください。"))
    check_title_and_sub(session, office_id, sug.title_id, sug.sub_account_id)
    owned(session, office_id, BookCounterparty, sug.counterparty_id, required=False)
    owned(session, office_id, BookDepartment, sug.department_id, required=False)
    for tag_id in sug.tag_ids:
        owned(session, office_id, BookTag, tag_id)
    key = sug.tax_class_key
    if key is None:
        key = owned(session, office_id, BookTitle, sug.title_id).tax_class_key or "out_of_scope"
    if key not in active_tax_keys(session, office_id):
        raise BooksError("unknown_tax_class", N_("税区分が正しくありません。"))
    return key


def _book(session: Session, office_id: int, s: Statement, sug: Suggestion,
          user_id: int | None) -> BookEntry:
    if s.amount == 0:
        raise BooksError("zero_amount", N_("金額が0円の明細は仕訳にできません。スキップしてください。"))
    tax_key = _check_suggestion(session, office_id, sug)
    bank = ensure_account_maps(session, office_id)[s.account_id]
    income = s.amount > 0  # 入金: debit the bank account, credit the other side
    other = (sug.title_id, sug.sub_account_id)
    mine = (bank.title_id, bank.sub_account_id)
    (dt, ds), (ct, cs) = (mine, other) if income else (other, mine)
    entry = BookEntry(office_id=office_id, state=BookingState.BOOKED,
                      kind=EntryKind.INCOME if income else EntryKind.EXPENSE,
                      entry_date=s.transaction_date, amount=abs(s.amount),
                      debit_title_id=dt, debit_sub_id=ds, credit_title_id=ct, credit_sub_id=cs,
                      tax_class_key=tax_key, counterparty_id=sug.counterparty_id,
                      department_id=sug.department_id, description=s.description,
                      memo=(sug.memo or "")[:500], tag_ids=join_ids(sug.tag_ids),
                      rule_id=sug.rule_id if sug.source == SuggestionSource.RULE else None,
                      created_by=user_id)
    session.add(entry)
    session.flush()
    session.add(_line(office_id, entry, s))
    session.flush()
    return entry


def _skip(session: Session, office_id: int, s: Statement, reason: str,
          user_id: int | None) -> BookEntry:
    entry = BookEntry(office_id=office_id, state=BookingState.SKIPPED, entry_date=s.transaction_date,
                      amount=abs(s.amount), description=s.description,
                      skip_reason=(reason or "").strip()[:SKIP_REASON_MAX], created_by=user_id)
    session.add(entry)
    session.flush()
    session.add(_line(office_id, entry, s))
    session.flush()
    return entry


def confirm(session: Session, office_id: int, statement_id: int, edits: Suggestion | None = None,
            *, user_id: int | None = None) -> BookEntry:
    """Book one statement as `edits` says, else as suggested (a suggested skip skips).
    BooksError: no_title when there is nothing to book it as, already_booked. Commits."""
    require_setup(session, office_id)
    s = _statement(session, office_id, statement_id)
    sug = edits if edits is not None else suggestions_for(session, office_id, [s]).get(s.id)
    if sug is None:
        raise BooksError("no_title", N_("勘定科目を選んでください。"))
    entry = _skip(session, office_id, s, sug.memo, user_id) if sug.skip else \
        _book(session, office_id, s, sug, user_id)
    session.commit()
    return entry


def confirm_many(session: Session, office_id: int, statement_ids: Iterable[int], *,
                 edits: dict[int, Suggestion] | None = None,
                 user_id: int | None = None) -> ConfirmResult:
    """Book each statement as the inbox suggests it (rule, learning, or 口座振替 with its
    pair), or as `edits` (statement id → Suggestion) says for the ones the user changed.
    Those without a suggestion, or booked meanwhile, are left. One commit."""
    edits = edits or {}
    require_setup(session, office_id)
    ids = list(dict.fromkeys(statement_ids))
    rows = list(session.exec(select(Statement).where(Statement.office_id == office_id,
                                                     Statement.id.in_(ids))))
    taken = set(session.exec(select(BookLine.statement_id).where(
        BookLine.office_id == office_id, BookLine.statement_id.in_(ids))))
    by_id = {s.id: s for s in rows if s.id not in taken and s.amount != 0}  # 0円: left
    partners = transfer_partners(session, office_id, [s for s in by_id.values() if s.id not in edits])
    suggestions = suggestions_for(session, office_id, [s for s in by_id.values() if s.id not in partners])
    entries, left, done = [], [], set()
    for statement_id in ids:
        s = by_id.get(statement_id)
        if s is None or statement_id in done:
            if s is None:
                left.append(statement_id)
            continue
        partner = partners.get(statement_id)
        if partner is not None and partner.id not in edits and partner.id not in done:
            entries.append(_transfer(session, office_id, s, partner, user_id))
            done.update((s.id, partner.id))
            continue
        sug = edits.get(statement_id) or suggestions.get(statement_id)
        if sug is None or (not sug.skip and s.amount == 0):
            left.append(statement_id)
            continue
        try:
            entry = _skip(session, office_id, s, sug.memo, user_id) if sug.skip else \
                _book(session, office_id, s, sug, user_id)
        except BooksError:  # a rule pointing at a master switched off since: left for a person
            left.append(statement_id)
            continue
        entries.append(entry)
        done.add(statement_id)
    session.commit()
    return ConfirmResult(entries, left)


def skip(session: Session, office_id: int, statement_id: int, reason: str = "", *,
         user_id: int | None = None) -> BookEntry:
    """Take the statement out of the inbox without booking it (私用 etc.). Commits."""
    require_setup(session, office_id)
    entry = _skip(session, office_id, _statement(session, office_id, statement_id), reason, user_id)
    session.commit()
    return entry


def _transfer(session: Session, office_id: int, a: Statement, b: Statement,
              user_id: int | None) -> BookEntry:
    if a.amount == 0 or a.amount != -b.amount or a.account_id == b.account_id \
            or abs((a.transaction_date - b.transaction_date).days) > MAX_DAYS:
        raise BooksError("not_a_transfer", N_("この2件は口座振替として登録できません。"))
    paying, receiving = (a, b) if a.amount < 0 else (b, a)
    maps = ensure_account_maps(session, office_id)
    to, frm = maps[receiving.account_id], maps[paying.account_id]
    entry = BookEntry(office_id=office_id, state=BookingState.BOOKED, kind=EntryKind.TRANSFER,
                      entry_date=paying.transaction_date, amount=receiving.amount,
                      debit_title_id=to.title_id, debit_sub_id=to.sub_account_id,
                      credit_title_id=frm.title_id, credit_sub_id=frm.sub_account_id,
                      description=paying.description, created_by=user_id)
    session.add(entry)
    session.flush()
    session.add_all([_line(office_id, entry, paying), _line(office_id, entry, receiving)])
    session.flush()
    return entry


def confirm_transfer(session: Session, office_id: int, statement_id: int, other_id: int, *,
                     user_id: int | None = None) -> BookEntry:
    """Book two statements of two of the office's accounts as one 口座振替 entry (debit the
    receiving account, credit the paying one). Commits."""
    require_setup(session, office_id)
    a = _statement(session, office_id, statement_id)
    b = _statement(session, office_id, other_id)
    entry = _transfer(session, office_id, a, b, user_id)
    session.commit()
    return entry


def entry_of(session: Session, office_id: int, entry_id: int) -> BookEntry:
    return owned(session, office_id, BookEntry, entry_id)


def lines_of(session: Session, office_id: int, entry_ids: Iterable[int]) -> list[BookLine]:
    ids = list(entry_ids)
    if not ids:
        return []
    return list(session.exec(select(BookLine).where(BookLine.office_id == office_id,
                                                    BookLine.entry_id.in_(ids))
                             .order_by(BookLine.entry_id, BookLine.id)))


def delete_entries(session: Session, office_id: int, entry_ids: set[int]) -> None:
    session.execute(delete(BookLine).where(BookLine.office_id == office_id,
                                           BookLine.entry_id.in_(entry_ids)))
    session.execute(delete(BookEntry).where(BookEntry.office_id == office_id,
                                            BookEntry.id.in_(entry_ids)))


def undo(session: Session, office_id: int, entry_id: int) -> list[int]:
    """Take the entry (booked, skipped or flagged) back: its statements return to the inbox;
    an export that held it reports it (journal_export.changed_after_export). Returns the
    statement ids back in the inbox. Commits."""
    entry = entry_of(session, office_id, entry_id)
    back = [line.statement_id for line in lines_of(session, office_id, [entry.id])
            if line.statement_id is not None]
    session.expunge(entry)
    delete_entries(session, office_id, {entry_id})
    session.commit()
    return back


def edit_entry(session: Session, office_id: int, entry_id: int, edits: Suggestion) -> BookEntry:
    """Change what a booked (or flagged) entry books the statement as: the side that is not
    the bank account, 税区分, 取引先, 部門, memo, tags. A 口座振替 keeps its two bank sides
    (only 部門, memo and tags change). Commits."""
    entry = entry_of(session, office_id, entry_id)
    if entry.state == BookingState.SKIPPED:
        raise BooksError("skipped", N_("スキップした明細は編集できません。取り消してから登録してください。"))
    if entry.kind == EntryKind.TRANSFER:
        edits = replace(edits, title_id=entry.debit_title_id, sub_account_id=entry.debit_sub_id,
                        tax_class_key="out_of_scope", counterparty_id=entry.counterparty_id)
        _check_suggestion(session, office_id, edits)
    else:
        entry.tax_class_key = _check_suggestion(session, office_id, edits)
        if entry.kind == EntryKind.INCOME:
            entry.credit_title_id, entry.credit_sub_id = edits.title_id, edits.sub_account_id
        else:
            entry.debit_title_id, entry.debit_sub_id = edits.title_id, edits.sub_account_id
        entry.counterparty_id = edits.counterparty_id
    entry.department_id, entry.memo = edits.department_id, (edits.memo or "")[:500]
    entry.tag_ids = join_ids(edits.tag_ids)
    entry.version += 1
    entry.updated_at = utcnow()
    session.add(entry)
    session.commit()
    return entry


def resolve_flag(session: Session, office_id: int, entry_id: int) -> BookEntry:
    """Accept a flagged entry as it stands against its statements' current values (date and
    amount follow the bank). A statement that is gone cannot be accepted: undo the entry.
    Commits."""
    entry = entry_of(session, office_id, entry_id)
    if entry.state != BookingState.FLAGGED:
        return entry
    lines = lines_of(session, office_id, [entry.id])
    if any(line.statement_id is None for line in lines):
        raise BooksError("statement_removed", N_("明細が削除されています。仕訳を取り消してください。"))
    statements = {s.id: s for s in session.exec(select(Statement).where(
        Statement.office_id == office_id, Statement.id.in_([ln.statement_id for ln in lines])))}
    for line in lines:
        s = statements[line.statement_id]
        line.transaction_date, line.amount = s.transaction_date, s.amount
        line.description_norm, line.direction = s.description_norm, direction_of(s.amount)
        session.add(line)
    if entry.kind == EntryKind.TRANSFER:
        if sum(ln.amount for ln in lines) != 0:
            raise BooksError("not_a_transfer", N_("この2件は口座振替として登録できません。"))
        paying = next(ln for ln in lines if ln.amount < 0)
        entry.entry_date, entry.amount = paying.transaction_date, -paying.amount
        entry.description = statements[paying.statement_id].description
    else:
        s = statements[lines[0].statement_id]
        if (s.amount > 0) != (entry.kind == EntryKind.INCOME) or s.amount == 0:
            raise BooksError("direction_changed",
                             N_("入出金の向きが変わりました。仕訳を取り消してください。"))
        entry.entry_date, entry.amount, entry.description = s.transaction_date, abs(s.amount), s.description
    entry.state, entry.flag_reason = BookingState.BOOKED, None
    entry.version += 1
    entry.updated_at = utcnow()
    session.add(entry)
    session.commit()
    return entry


def list_entries(session: Session, office_id: int, *, state: BookingState | None = None,
                 limit: int = 100, before_id: int | None = None) -> list[BookEntry]:
    """The office's entries, newest first (by id), optionally in one state (e.g. FLAGGED)."""
    q = select(BookEntry).where(BookEntry.office_id == office_id)
    if state is not None:
        q = q.where(BookEntry.state == state)
    if before_id is not None:
        q = q.where(BookEntry.id < before_id)
    return list(session.exec(q.order_by(BookEntry.id.desc()).limit(limit)))
