"""A downloaded CSV never runs a formula in a spreadsheet, and importing it gives the text back."""
import csv
import io
from datetime import date

import pytest
from sqlmodel import select

from portal.models import Account, Statement
from portal.services.statements import upsert_statements
from tests.web.csv_helpers import import_file, ledger, register

TEXTS = ["=HYPERLINK(\"http://evil.example\",\"請求書\")", "+81 3 1234", "-ATM", "@SUM(1+1)",
         "＝1+1", "'引用符で始まる摘要", "\" =1+1", "普通の摘要"]


def _seed(db, account_id):
    with db() as s:
        upsert_statements(s, s.get(Account, account_id), [
            {"transaction_date": date(2024, 4, 1 + n), "amount": -100 * (n + 1), "description": t,
             "memo": t, "balance_after": -500 * n, "source": "manual", "dedupe_key": f"manual:{n}"}
            for n, t in enumerate(TEXTS)])
        s.commit()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_export_neutralises_formulas_and_round_trips(db, auth, client, encoding):
    auth.signup()
    source = register(auth, bank="0005", name="元")
    _seed(db, source)
    body = client.get(f"/accounts/{source}/export?encoding={encoding}").get_data()
    rows = list(csv.reader(io.StringIO(body.decode(encoding), newline="")))[1:]
    for row in rows:
        for cell in (row[2], row[6]):  # 摘要, メモ
            assert cell.lstrip(" \"'")[:1] not in "=+-@＝＋－＠" or cell.startswith("'"), cell
        assert row[4].isdigit() and (row[5] == "0" or row[5].startswith("-"))  # numbers stay numbers
    assert rows[0][2] == "'=HYPERLINK(\"http://evil.example\",\"請求書\")"
    assert rows[5][2] == "''引用符で始まる摘要" and rows[7][2] == "普通の摘要"
    target = register(auth, bank="0005", name="写し")
    import_file(auth, target, body)
    assert ledger(db, target) == ledger(db, source)
    with db() as s:
        memos = s.exec(select(Statement.memo).where(Statement.account_id == target)
                       .order_by(Statement.transaction_date)).all()
    assert memos == TEXTS
