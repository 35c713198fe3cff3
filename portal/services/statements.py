"""Statements: idempotent bulk upsert, keyset-paginated listing (manual entry: manual_entries)."""
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, func, insert, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from ..dates import utcnow
from ..ledger.normalize import norm_description
from ..models import Account, Statement, StatementAlias


def _insert_ignoring_duplicates(session: Session):
    table = Statement.__table__
    name = session.get_bind().dialect.name
    if name == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing()
    if name == "postgresql":
        return pg_insert(table).on_conflict_do_nothing()
    return insert(table)


def upsert_statements(session: Session, account: Account, rows: list[dict]) -> int:
    """Insert rows whose dedupe_key the account does not hold yet; returns how many were new.

    One SELECT for the page's keys and one executemany insert: no per-row round trips.
    The caller commits, together with the sync's progress.
    """
    if not rows:
        return 0
    keys = [r["dedupe_key"] for r in rows]
    held = set(session.exec(select(Statement.dedupe_key).where(
        Statement.account_id == account.id, Statement.dedupe_key.in_(keys))))
    held |= set(session.exec(select(StatementAlias.dedupe_key).where(
        StatementAlias.account_id == account.id, StatementAlias.dedupe_key.in_(keys))))
    now = utcnow()
    fresh, seen = [], set()
    for r in rows:
        key = r["dedupe_key"]
        if key in held or key in seen:
            continue
        seen.add(key)
        fresh.append({
            "office_id": account.office_id, "account_id": account.id, "created_at": now,
            "description_norm": norm_description(r.get("description") or ""),
            "value_date": None, "balance_after": None, "sync_run_id": None, "memo": "",
            "balance_derived": False, "import_id": None, **r,
        })
    if fresh:
        session.execute(_insert_ignoring_duplicates(session), fresh)
    return len(fresh)


def count_statements(session: Session, account_id: int) -> int:
    return session.exec(select(func.count()).select_from(Statement)
                        .where(Statement.account_id == account_id)).one()


@dataclass(frozen=True)
class StatementPage:
    rows: list[Statement]
    next_cursor: str | None


def after_key(query, key: tuple[date, int] | None, *, newest_first: bool):
    """Keyset paging on (transaction_date, id), the ledger's order: one row-value comparison,
    which the (account_id, transaction_date, id) index answers directly."""
    if key is None:
        return query
    row = tuple_(Statement.transaction_date, Statement.id)
    return query.where(row < tuple_(*key) if newest_first else row > tuple_(*key))


def list_statements(session: Session, account: Account, *, limit: int,
                    date_from: date | None = None, date_to: date | None = None,
                    cursor: tuple[date, int] | None = None) -> StatementPage:
    """Newest first, keyset-paginated on (transaction_date, id): stable and index-backed.
    `cursor` is the (date, id) of the last row of the page before (the form reads it)."""
    q = select(Statement).where(Statement.account_id == account.id,
                                Statement.office_id == account.office_id)
    if date_from:
        q = q.where(Statement.transaction_date >= date_from)
    if date_to:
        q = q.where(Statement.transaction_date <= date_to)
    q = after_key(q, cursor, newest_first=True)
    rows = list(session.exec(q.order_by(Statement.transaction_date.desc(), Statement.id.desc())
                             .limit(limit + 1)))
    nxt = None
    if len(rows) > limit:
        rows = rows[:limit]
        nxt = f"{rows[-1].transaction_date.isoformat()}_{rows[-1].id}"
    return StatementPage(rows, nxt)


def ledger_in_order(engine: Engine, account_id: int, batch: int = 1000) -> Iterator[Statement]:
    """Every statement of an account, oldest first, in keyset batches on a session of its own
    (a streamed download outlives the request and its session)."""
    with Session(engine, expire_on_commit=False) as session:
        key = None
        while True:
            q = after_key(select(Statement).where(Statement.account_id == account_id), key,
                          newest_first=False)
            rows = list(session.exec(q.order_by(Statement.transaction_date, Statement.id).limit(batch)))
            yield from rows
            if len(rows) < batch:
                return
            key = (rows[-1].transaction_date, rows[-1].id)


def totals(session: Session, account_id: int) -> tuple[int, int]:
    count, total = session.exec(select(func.count(), func.coalesce(func.sum(Statement.amount), 0))
                                .where(Statement.account_id == account_id)).one()
    return int(count), int(total)


def balance_breaks(session: Session, account: Account, limit: int = 3):
    """Where prev.balance + amount != balance: a missing or doubled row; flagged, never guessed."""
    from ..ledger.fingerprint import check_balance_chain

    rows = session.exec(select(Statement.transaction_date, Statement.amount, Statement.balance_after)
                        .where(Statement.account_id == account.id)
                        .order_by(Statement.transaction_date, Statement.id)).all()
    return check_balance_chain(rows)[:limit]
