"""The kept ledger figures (services.ledger_stats) checked against a recomputation from the
account's statements: whatever wrote them, they must be equal."""
from collections import defaultdict

from sqlmodel import Session, select

from portal.ledger.day_chain import rebuild
from portal.ledger.day_sides import Side, tally
from portal.ledger.fingerprint import check_balance_chain
from portal.models import Account, Statement, StatementAlias
from portal.models.vocabulary import StatementSource
from portal.services import ledger_stats, statements


def recomputed_sides(s: Session, account_id: int) -> dict:
    """Each day's sides (ledger.day_sides) from the account's statements and aliases."""
    linked = set(s.exec(select(StatementAlias.statement_id).where(
        StatementAlias.account_id == account_id, StatementAlias.dedupe_key.startswith("api:"))))
    days = defaultdict(list)
    for row in s.exec(select(Statement).where(Statement.account_id == account_id)):
        side = (Side.BANK if row.source == StatementSource.API
                else Side.LINKED if row.id in linked else Side.OTHER)
        days[row.transaction_date].append((row.amount, side))
    return {day: tally(rows) for day, rows in days.items()}


def assert_kept_equals_recomputed(s: Session, account_id: int) -> None:
    rows = s.exec(select(Statement.transaction_date, Statement.amount, Statement.balance_after)
                  .where(Statement.account_id == account_id)
                  .order_by(Statement.transaction_date, Statement.id)).all()
    assert ledger_stats.kept(s, account_id) == rebuild(tuple(r) for r in rows)
    assert ledger_stats.kept_sides(s, account_id) == recomputed_sides(s, account_id)
    account = s.get(Account, account_id)
    assert statements.balance_breaks(s, account, limit=3) == check_balance_chain(rows)[:3]
    assert statements.totals(s, account_id) == (len(rows), sum(r[1] for r in rows))
