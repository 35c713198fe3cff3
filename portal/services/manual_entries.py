"""手動の取引: entry, correction and deletion, and the memo every statement may carry.

Only statements entered by hand can be changed or deleted: API and file statements are the
bank's record, and so is a manual one the cutover matching linked to an API key. Their
memo is the user's own and is always editable. Every write keeps the running balance and
the account's balance and count in step (services.balances).
"""
import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from ..ledger.normalize import norm_description
from ..models import Account, Statement
from ..models.vocabulary import StatementSource
from . import balances, ledger_stats, statement_removal
from .books import guard as books_guard
from .cutover.apply import linked_ids
from .statements import upsert_statements

MEMO_MAX = 500  # Statement.memo
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class NotEditable(ValueError):
    """Not a manual statement, or one linked to the bank's (API) record."""


@dataclass(frozen=True)
class Entry:
    transaction_date: date
    description: str
    amount: int  # signed yen
    balance_after: int | None  # None: carried from the previous balance
    memo: str = ""


def clean_memo(text: str | None) -> str:
    return _CONTROL.sub(" ", text or "").strip()[:MEMO_MAX]


def statement_of(session: Session, account: Account, statement_id: int) -> Statement | None:
    return session.exec(select(Statement).where(
        Statement.id == statement_id, Statement.account_id == account.id,
        Statement.office_id == account.office_id)).first()


def is_editable(session: Session, account: Account, statement: Statement) -> bool:
    return statement.source == StatementSource.MANUAL and not statement_removal.api_linked(
        session, account, Statement.id == statement.id)


def editable_ids(session: Session, account: Account, statements: list[Statement]) -> set[int]:
    """Which of these (a page of the list) can be corrected or deleted: one query."""
    manual = [s.id for s in statements if s.source == StatementSource.MANUAL]
    return set(manual) - linked_ids(session, manual) if manual else set()


def _values(entry: Entry) -> dict:
    text = entry.description.strip()
    return {"transaction_date": entry.transaction_date, "amount": entry.amount,
            "description": text, "description_norm": norm_description(text),
            "balance_after": entry.balance_after, "balance_derived": entry.balance_after is None,
            "memo": clean_memo(entry.memo)}


def add(session: Session, account: Account, entry: Entry) -> None:
    row = {**_values(entry), "source": StatementSource.MANUAL,
           "dedupe_key": f"manual:{uuid.uuid4().hex}"}
    added = upsert_statements(session, account, [row])
    account.statement_count = Account.statement_count + added  # in SQL: no lost update
    balances.after_write(session, account, entry.transaction_date)
    session.commit()


def edit(session: Session, account: Account, statement: Statement, entry: Entry) -> None:
    if not is_editable(session, account, statement):
        raise NotEditable(statement.id)
    was = statement.transaction_date
    since = min(was, entry.transaction_date)
    for name, value in _values(entry).items():
        setattr(statement, name, value)
    session.add(statement)
    books_guard.statements_changed(session, account.office_id, [statement.id])
    ledger_stats.touched(session, account.id, {was, entry.transaction_date})
    balances.after_write(session, account, since)
    session.commit()


def delete(session: Session, account: Account, statement: Statement) -> None:
    if not is_editable(session, account, statement):
        raise NotEditable(statement.id)
    since = statement.transaction_date
    session.expunge(statement)
    removed = statement_removal.remove(session, account, Statement.id == statement.id)
    account.statement_count = Account.statement_count - removed  # in SQL: no lost update
    balances.after_write(session, account, since)
    session.commit()


def set_memo(session: Session, account: Account, statement: Statement, memo: str | None) -> None:
    statement.memo = clean_memo(memo)
    session.add(statement)
    session.commit()
