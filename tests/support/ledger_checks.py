"""The kept ledger figures (services.ledger_stats) checked against a recomputation from the
account's statements: whatever wrote them, they must be equal."""
from sqlmodel import Session, select

from portal.ledger.day_chain import rebuild
from portal.ledger.fingerprint import check_balance_chain
from portal.models import Account, Statement
from portal.services import ledger_stats, statements


def assert_kept_equals_recomputed(s: Session, account_id: int) -> None:
    rows = s.exec(select(Statement.transaction_date, Statement.amount, Statement.balance_after)
                  .where(Statement.account_id == account_id)
                  .order_by(Statement.transaction_date, Statement.id)).all()
    assert ledger_stats.kept(s, account_id) == rebuild(tuple(r) for r in rows)
    account = s.get(Account, account_id)
    assert statements.balance_breaks(s, account, limit=3) == check_balance_chain(rows)[:3]
    assert statements.totals(s, account_id) == (len(rows), sum(r[1] for r in rows))
