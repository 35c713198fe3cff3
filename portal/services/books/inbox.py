"""The inbox (未処理の明細): the office's statements neither booked nor skipped, newest first,
each with a suggested entry. Suggestions are worked out for the page shown only: the first
matching rule, else how the same 摘要 (description_norm) in the same direction was booked
most recently, else none; a statement that pairs with another account's as a 口座振替 is
offered as one transfer, not two entries."""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, exists, func
from sqlmodel import Session, select

from ...bookkeeping.entry import EntryKind
from ...bookkeeping.rules import direction_of
from ...bookkeeping.transfers import MAX_DAYS, Movement, pair_transfers
from ...models import BookEntry, BookLine, Statement
from ...models.vocabulary import BookingState, SuggestionSource
from ..statements import after_key
from .common import split_ids
from .rules import compiled_rules

PAGE = 50


@dataclass(frozen=True)
class Suggestion:
    """What a statement would be booked as: the side that is not the bank account (or a skip).
    Also the edits a user makes when confirming."""
    title_id: int | None = None
    sub_account_id: int | None = None
    tax_class_key: str | None = None  # None: the title's default
    counterparty_id: int | None = None
    department_id: int | None = None
    memo: str = ""
    tag_ids: tuple[int, ...] = ()
    skip: bool = False
    source: SuggestionSource | None = None
    rule_id: int | None = None


@dataclass(frozen=True)
class InboxItem:
    statement: Statement
    suggestion: Suggestion | None
    transfer: Statement | None = None  # the other side of a proposed 口座振替


@dataclass(frozen=True)
class InboxPage:
    items: list[InboxItem]
    next_cursor: tuple[date, int] | None  # (transaction_date, id) of the last row shown


def unbooked():
    """The condition 'waiting to be booked': not 0 yen (nothing to book) and no booking holds
    it (the unique index on statement_id)."""
    return and_(Statement.amount != 0, ~exists().where(BookLine.statement_id == Statement.id))


def inbox_page(session: Session, office_id: int, *, account_id: int | None = None,
               cursor: tuple[date, int] | None = None, limit: int = PAGE) -> InboxPage:
    q = select(Statement).where(Statement.office_id == office_id, unbooked())
    if account_id is not None:
        q = q.where(Statement.account_id == account_id)
    if cursor is not None:  # a plain upper date bound too: the range the planners seek on
        q = q.where(Statement.transaction_date <= cursor[0])
    q = after_key(q, cursor, newest_first=True)
    rows = list(session.exec(q.order_by(Statement.transaction_date.desc(), Statement.id.desc())
                             .limit(limit + 1)))
    nxt = None
    if len(rows) > limit:
        rows = rows[:limit]
        nxt = (rows[-1].transaction_date, rows[-1].id)
    partners = transfer_partners(session, office_id, rows)
    suggestions = suggestions_for(session, office_id, [s for s in rows if s.id not in partners])
    items, done = [], set()
    for s in rows:
        if s.id in done:
            continue
        partner = partners.get(s.id)
        if partner is not None:
            done.add(partner.id)  # a pair on the same page is one item
            items.append(InboxItem(s, Suggestion(source=SuggestionSource.TRANSFER), partner))
        else:
            items.append(InboxItem(s, suggestions.get(s.id)))
    return InboxPage(items, nxt)


def parse_cursor(text: str | None) -> tuple[date, int] | None:
    """'2024-05-01_123' (as StatementPage writes it) → (date, id); None when malformed."""
    try:
        day, _, ident = (text or "").partition("_")
        return date.fromisoformat(day), int(ident)
    except ValueError:
        return None


def suggestions_for(session: Session, office_id: int, statements: list[Statement]
                    ) -> dict[int, Suggestion]:
    """statement id → suggestion, for the statements that have one."""
    out: dict[int, Suggestion] = {}
    if not statements:
        return out
    rules = compiled_rules(session, office_id)
    rest = []
    for s in statements:
        hit = next((rule for rule, c in rules
                    if c.matches(s.description_norm, s.amount, s.account_id)), None)
        if hit is None:
            rest.append(s)
            continue
        out[s.id] = Suggestion(hit.title_id, hit.sub_account_id, hit.tax_class_key,
                               hit.counterparty_id, hit.department_id, hit.memo,
                               split_ids(hit.tag_ids), hit.skip, SuggestionSource.RULE, hit.id)
    learned = _learned(session, office_id, {(s.description_norm, direction_of(s.amount))
                                           for s in rest if s.description_norm})
    for s in rest:
        found = learned.get((s.description_norm, direction_of(s.amount)))
        if found is not None:
            out[s.id] = found
    return out


def _learned(session: Session, office_id: int, keys: set) -> dict[tuple, Suggestion]:
    """(description_norm, direction) → how its latest entry booked it (or skipped it)."""
    keys = {k for k in keys if k[1] is not None}
    if not keys:
        return {}
    # The latest entry per key from the lines alone: an index-only read of ix_book_line_learn.
    # When that latest one is a 口座振替, nothing is learned (its other side is a bank account).
    latest = session.exec(
        select(BookLine.description_norm, BookLine.direction, func.max(BookLine.entry_id))
        .where(BookLine.office_id == office_id, BookLine.description_norm.in_({k[0] for k in keys}))
        .group_by(BookLine.description_norm, BookLine.direction)).all()
    wanted = {entry_id: (norm, direction) for norm, direction, entry_id in latest
              if (norm, direction) in keys}
    if not wanted:
        return {}
    out = {}
    for entry in session.exec(select(BookEntry).where(BookEntry.office_id == office_id,
                                                      BookEntry.id.in_(wanted))):
        if entry.kind != EntryKind.TRANSFER:
            out[wanted[entry.id]] = suggestion_of_entry(entry)
    return out


def suggestion_of_entry(entry: BookEntry, source=SuggestionSource.LEARNED) -> Suggestion:
    if entry.state == BookingState.SKIPPED:
        return Suggestion(skip=True, memo=entry.skip_reason, source=source)
    # The side that is not the bank account: credit for 入金, debit for 出金.
    income = entry.kind == EntryKind.INCOME
    title = entry.credit_title_id if income else entry.debit_title_id
    sub = entry.credit_sub_id if income else entry.debit_sub_id
    return Suggestion(title, sub, entry.tax_class_key, entry.counterparty_id, entry.department_id,
                      entry.memo, split_ids(entry.tag_ids), False, source, entry.rule_id)


def transfer_partners(session: Session, office_id: int, rows: list[Statement]
                      ) -> dict[int, Statement]:
    """For the rows that pair as a 口座振替 with another unbooked statement of the office:
    row id → the other statement (both ways when both are among the rows)."""
    if not rows:
        return {}
    amounts = {-s.amount for s in rows if s.amount}
    if not amounts:
        return {}
    lo = min(s.transaction_date for s in rows) - timedelta(days=MAX_DAYS)
    hi = max(s.transaction_date for s in rows) + timedelta(days=MAX_DAYS)
    candidates = list(session.exec(select(Statement).where(
        Statement.office_id == office_id, Statement.transaction_date >= lo,
        Statement.transaction_date <= hi, Statement.amount.in_(amounts), unbooked())))
    pool = {s.id: s for s in [*rows, *candidates]}
    pairs = pair_transfers(Movement(s.id, s.account_id, s.transaction_date, s.amount)
                           for s in pool.values())
    mine = {s.id for s in rows}
    out = {}
    for pair in pairs:
        a, b = pair.paying.id, pair.receiving.id
        if a in mine:
            out[a] = pool[b]
        if b in mine:
            out[b] = pool[a]
    return out


def unbooked_count(session: Session, office_id: int, account_id: int | None = None, *,
                   up_to: int | None = None) -> int:
    """How many statements wait in the inbox. With up_to, counting stops after up_to + 1
    (newest first, the inbox's own index): a page says "more than up_to" without reading
    a ledger of a million rows to count them all."""
    q = select(Statement.id).where(Statement.office_id == office_id, unbooked())
    if account_id is not None:
        q = q.where(Statement.account_id == account_id)
    if up_to is not None:
        q = q.order_by(Statement.transaction_date.desc(), Statement.id.desc()).limit(up_to + 1)
    return session.exec(select(func.count()).select_from(q.subquery())).one()
