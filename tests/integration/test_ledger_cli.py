"""`flask ledger check` and `flask ledger rebuild` on SQLite and PostgreSQL: figures kept by
the portal's writers check clean; rows written past the portal are found (exit 1, the
account and its first wrong day named) and a rebuild makes them right again."""
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import Session

from portal.models import StatementAlias
from portal.models.vocabulary import StatementSource
from portal.services.statements import upsert_statements
from tests.support.ledger_checks import assert_kept_equals_recomputed
from tests.support.office_rows import office_with_account


@pytest.fixture
def app(portal_app):  # on SQLite, then on PostgreSQL (conftest)
    return portal_app


def _two_accounts(app) -> tuple[int, int]:
    with Session(app.extensions["db_engine"], expire_on_commit=False) as s:
        ids = []
        for name in ("一", "二"):
            account = office_with_account(s, office_name=f"事業所{name}")
            s.commit()
            upsert_statements(s, account, [
                {"transaction_date": date(2024, 5, d), "amount": -100 * d, "description": "ﾃﾞﾝｷ",
                 "balance_after": 10_000 - 100 * d * (d + 1) // 2, "source": StatementSource.MANUAL,
                 "dedupe_key": f"manual:{d}"} for d in range(1, 8)])
            s.commit()
            ids.append(account.id)
        return ids[0], ids[1]


def test_check_finds_rows_written_past_the_portal_and_rebuild_mends_them(app):
    clean, touched = _two_accounts(app)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["ledger", "check"])
    assert ok.exit_code == 0 and "checked 2 accounts, 0 differ" in ok.output, ok.output
    engine = app.extensions["db_engine"]
    with engine.begin() as conn:  # a bulk copy: a row, and a link to a bank key, not counted
        conn.execute(text(
            "INSERT INTO statement (office_id, account_id, transaction_date, amount, description, "
            "description_norm, source, dedupe_key, created_at, balance_derived, memo, txid) "
            "SELECT office_id, id, '2024-05-09', 5, 'x', 'X', 'csv', 'csv:copied', "
            "'2024-05-09', false, '', 0 FROM account WHERE id = :a"), {"a": touched})
    with Session(engine) as s:
        row = s.exec(text("SELECT id, office_id FROM statement WHERE account_id = :a "
                          "AND transaction_date = '2024-05-03'").bindparams(a=touched)).one()
        s.add(StatementAlias(office_id=row[1], account_id=touched, dedupe_key="api:copied",
                             statement_id=row[0]))
        s.commit()
    found = runner.invoke(args=["ledger", "check"])
    assert found.exit_code == 1, found.output
    assert f"account {touched}: 2 days differ from a recount, the first 2024-05-03" in found.output
    assert f"account {clean}:" not in found.output and "checked 2 accounts, 1 differ" in found.output
    one = runner.invoke(args=["ledger", "check", "--account", str(clean)])
    assert one.exit_code == 0 and "checked 1 account, 0 differ" in one.output
    refused = runner.invoke(args=["ledger", "rebuild"])
    assert refused.exit_code == 2 and "give --account ID or --all" in refused.output
    unknown = runner.invoke(args=["ledger", "rebuild", "--account", "999"])
    assert unknown.exit_code == 1 and "no account 999" in unknown.output
    mended = runner.invoke(args=["ledger", "rebuild", "--account", str(touched)])
    assert mended.exit_code == 0 and "rebuilt the figures of 1 account" in mended.output
    with Session(engine) as s:
        assert_kept_equals_recomputed(s, touched)
        assert_kept_equals_recomputed(s, clean)
    assert runner.invoke(args=["ledger", "check"]).exit_code == 0
    assert runner.invoke(args=["ledger", "rebuild", "--all"]).output.strip().endswith(
        "rebuilt the figures of 2 accounts")
