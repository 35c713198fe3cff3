"""Per-day API call limits some banks set: count what we used, tell what is left."""
from datetime import date, datetime, time, timedelta

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from ..dates import JST, today_jst
from ..models import BankCallCount


def record(session: Session, bank_code: str, calls: int, day: date | None = None) -> None:
    """Add calls to today's count in one atomic upsert (workers may record at once). The
    caller commits."""
    if calls <= 0:
        return
    table = BankCallCount.__table__
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(bank_code=bank_code, day=day or today_jst(), calls=calls)
    stmt = stmt.on_conflict_do_update(index_elements=["bank_code", "day"],
                                      set_={"calls": table.c.calls + stmt.excluded.calls})
    session.execute(stmt)


def used_today(session: Session, bank_code: str) -> int:
    return session.exec(select(BankCallCount.calls).where(
        BankCallCount.bank_code == bank_code, BankCallCount.day == today_jst())).first() or 0


def remaining(session: Session, bank) -> int | None:
    """Calls left today, or None when the bank sets no daily limit."""
    if bank is None or not bank.rate_limit_per_day:
        return None
    return max(0, bank.rate_limit_per_day - used_today(session, bank.bank_code))


def next_day_start() -> datetime:
    return datetime.combine(today_jst() + timedelta(days=1), time(0, 5), JST)
