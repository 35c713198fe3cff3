"""The latest given balance of an account without an API (balances.refresh_balance) is one
lookup on ix_statement_balance, on SQLite and PostgreSQL, and that index leaves out the rows
a sync writes (migration 0018): an API account's balance is the bank's, never looked up."""
from datetime import date

from sqlalchemy import text
from sqlmodel import Session, select

from portal.models import Account, Office, Statement
from portal.models.vocabulary import StatementSource, SyncMethod
from portal.services import balances
from portal.services.balances import _GIVEN


def _account(s: Session, office: Office, method: SyncMethod) -> Account:
    account = Account(office_id=office.id, name=str(method), bank_code="0001", kind="personal",
                      sync_method=method)
    s.add(account)
    s.flush()
    return account


def _row(account: Account, day: int, amount: int, balance: int | None, source: StatementSource,
         key: str) -> Statement:
    return Statement(office_id=account.office_id, account_id=account.id,
                     transaction_date=date(2024, 4, day), amount=amount, balance_after=balance,
                     source=source, dedupe_key=key)


def test_the_latest_given_balance_comes_from_the_index(engine):
    with Session(engine, expire_on_commit=False) as s:
        office = Office(name="A商店")
        s.add(office)
        s.flush()
        manual, api = _account(s, office, SyncMethod.MANUAL), _account(s, office, SyncMethod.API)
        s.add_all([
            _row(manual, 1, 1000, 1000, StatementSource.MANUAL, "manual:1"),
            _row(manual, 2, 500, 1500, StatementSource.CSV, "csv:2"),
            _row(manual, 3, -200, None, StatementSource.MANUAL, "manual:3"),  # no 残高 given
            _row(api, 4, 9000, 9000, StatementSource.API, "api:4"),
        ])
        s.commit()
        balances.refresh_balance(s, manual)
        assert (manual.balance, manual.balance_date) == (1500, date(2024, 4, 2))

        lookup = (select(Statement.id).where(Statement.account_id == manual.id, _GIVEN)
                  .order_by(Statement.transaction_date.desc(), Statement.id.desc()).limit(1))
        sql = str(lookup.compile(engine, compile_kwargs={"literal_binds": True}))
        conn = s.connection()
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a few rows: else a scan
            plan = " ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql))
            definition = conn.execute(text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_statement_balance'")).scalar()
        else:
            plan = " ".join(str(r) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            definition = conn.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_statement_balance'")).scalar()
        assert "ix_statement_balance" in plan
        # The rows from the bank's API stay out of it.
        assert "source" in definition and "'api'" in definition
        s.rollback()
