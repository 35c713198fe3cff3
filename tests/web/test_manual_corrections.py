"""Correcting and deleting manual entries; the bank's statements (API, files, or a manual one
linked to an API key) cannot be changed."""
from datetime import date

import pytest
from sqlmodel import select

from portal.models import Statement, StatementAlias
from tests.web.csv_helpers import RAKUTEN, account, import_file, register, text


def add(auth, account_id, day, description, **amounts):
    resp = auth.post(f"/accounts/{account_id}/statements/new",
                     {"transaction_date": day, "description": description, **amounts})
    assert resp.status_code == 303, text(resp)


def rows(db, account_id) -> list[tuple]:
    with db() as s:
        return [(r.id, r.transaction_date, r.description, r.amount, r.balance_after, r.source)
                for r in s.exec(select(Statement).where(Statement.account_id == account_id)
                                .order_by(Statement.transaction_date, Statement.id))]


@pytest.fixture
def cash(auth):
    """A manual account with an opening balance of 10,000 on 2026/04/01 and two entries."""
    auth.signup()
    account_id = register(auth, bank="0005", name="現金")
    auth.post(f"/accounts/{account_id}/settings", {"name": "現金", "opening_balance": "10000",
                                                   "opening_balance_date": "2026-04-01"})
    add(auth, account_id, "2026-04-02", "文具", withdrawal="980")
    add(auth, account_id, "2026-04-05", "売上", deposit="5000")
    return account_id


def test_a_manual_entry_is_corrected_and_later_balances_follow(db, auth, client, cash):
    first = rows(db, cash)[0][0]
    url = f"/accounts/{cash}/statements/{first}/edit"
    page = text(client.get(url))
    assert "取引を修正する" in page and 'value="980"' in page and 'value="文具"' in page
    assert 'name="balance_after" type="number" value=""' in page  # carried: left empty
    resp = auth.post(url, {"transaction_date": "2026-04-06", "description": "文具(訂正)",
                           "withdrawal": "1980"})
    assert resp.status_code == 303 and resp.headers["Location"] == f"/accounts/{cash}/statements"
    assert [(r[1], r[2], r[3], r[4]) for r in rows(db, cash)] == [
        (date(2026, 4, 5), "売上", 5000, 15000),  # no longer after the 文具 entry
        (date(2026, 4, 6), "文具(訂正)", -1980, 13020),
    ]
    assert account(db, cash).balance == 13020 and account(db, cash).statement_count == 2


def test_a_correction_with_errors_changes_nothing(db, auth, cash):
    before = rows(db, cash)
    resp = auth.post(f"/accounts/{cash}/statements/{before[0][0]}/edit",
                     {"transaction_date": "2026-04-02", "description": "", "withdrawal": "1"})
    assert resp.status_code == 400 and "取引は修正されていません" in text(resp)
    assert rows(db, cash) == before


def test_a_manual_entry_is_deleted_after_a_confirmation_page(db, auth, client, cash):
    first = rows(db, cash)[0][0]
    url = f"/accounts/{cash}/statements/{first}/delete"
    page = text(client.get(url))
    assert "取引の削除" in page and "文具" in page and "980円" in page
    assert len(rows(db, cash)) == 2  # asking deletes nothing
    resp = auth.post(url)
    assert resp.status_code == 303
    assert [(r[2], r[4]) for r in rows(db, cash)] == [("売上", 15000)]
    acc = account(db, cash)
    assert (acc.statement_count, acc.balance) == (1, 15000)
    assert client.get(url).status_code == 404  # gone


def test_the_banks_statements_cannot_be_changed(db, auth, client):
    auth.signup()
    account_id = register(auth, bank="0005")
    import_file(auth, account_id, RAKUTEN.encode("utf-8"))
    before = rows(db, account_id)
    file_row = before[0][0]
    for action in ("edit", "delete"):
        url = f"/accounts/{account_id}/statements/{file_row}/{action}"
        assert client.get(url).status_code == 404
        assert auth.post(url, {"transaction_date": "2024-04-02", "description": "x",
                               "deposit": "1"}).status_code == 404
    assert rows(db, account_id) == before
    page = text(client.get(f"/accounts/{account_id}/statements"))
    assert f"/statements/{file_row}/edit" not in page and f"/statements/{file_row}/memo" in page


def test_a_manual_entry_linked_to_the_bank_is_the_banks_record(db, auth, client, cash):
    first = rows(db, cash)[0][0]
    with db() as s:  # as the cutover matching leaves a manual row it linked to an API key
        s.add(StatementAlias(office_id=1, account_id=cash, dedupe_key="api:1", statement_id=first))
        s.commit()
    assert client.get(f"/accounts/{cash}/statements/{first}/edit").status_code == 404
    assert auth.post(f"/accounts/{cash}/statements/{first}/delete").status_code == 404
    assert len(rows(db, cash)) == 2
    page = text(client.get(f"/accounts/{cash}/statements"))
    assert f"/statements/{first}/delete" not in page
    second = rows(db, cash)[1][0]
    assert f"/statements/{second}/delete" in page  # the other entry is still the user's


def test_another_accounts_entry_is_not_found(db, auth, client, cash):
    other = register(auth, bank="0005", name="別")
    first = rows(db, cash)[0][0]
    assert client.get(f"/accounts/{cash}/statements/{first}/edit").status_code == 200
    assert client.get(f"/accounts/{other}/statements/{first}/edit").status_code == 404
    assert auth.post(f"/accounts/{other}/statements/{first}/delete").status_code == 404
    assert len(rows(db, cash)) == 2
