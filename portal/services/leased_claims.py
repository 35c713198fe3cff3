"""Taking due rows of an outbox (e-mail notices, webhook deliveries) for one process: each row
is owned by the one process whose conditional update matched, under a lease that a dead
process leaves to run out."""
from collections.abc import Callable

from sqlalchemy import Engine, update
from sqlmodel import Session, select


def claim_due(session: Session, model, due, *, limit: int, values: dict) -> list[int]:
    """Ids of up to `limit` rows of `model` matching `due`, each updated with `values` (the
    claim) by this process alone. PostgreSQL skips rows another process has locked; SQLite
    may let two processes read the same ids, so the update repeats the condition."""
    postgres = session.get_bind().dialect.name == "postgresql"
    query = select(model.id).where(due).order_by(model.id).limit(limit)
    if postgres:
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for row_id in list(session.exec(query)):
        result = session.execute(update(model).where(model.id == row_id, due).values(**values))
        if result.rowcount == 1:
            claimed.append(row_id)
        if not postgres:
            session.commit()  # SQLite: hold the write lock for one row at a time
    session.commit()
    return claimed


def drain(engine: Engine, claim: Callable[[Session], list[int]],
          deliver: Callable[[int], int]) -> int:
    """Claim batches (`claim` on a session of its own) until none is due, handing each id
    claimed to `deliver` (1 when it went out, else 0); returns how many went out."""
    done = 0
    while True:
        with Session(engine, expire_on_commit=False) as session:
            ids = claim(session)
        if not ids:
            return done
        done += sum(deliver(row_id) for row_id in ids)
