"""Exporting an account's statements: UTF-8 with BOM or Shift_JIS, streamed, and read back."""
from datetime import date
from urllib.parse import unquote

import pytest

from portal.models import Account
from portal.services.statements import upsert_statements
from tests.web.csv_helpers import MUFG, import_file, ledger, register

ROWS = [
    (date(2024, 4, 1), date(2024, 3, 31), 50000, "振込　ﾔﾏﾀﾞ ﾀﾛｳ", 150000),
    (date(2024, 4, 1), None, -1080, 'ＪＣＢ）セブンカ－ド, "店"', 148920),
    (date(2024, 4, 3), None, -300, "コンビニ①", None),
    (date(2024, 4, 3), None, -300, "コンビニ①", None),
    (date(2024, 4, 4), None, -200000, "カード", -51380),
]


def _seed(db, account_id):
    with db() as s:
        acc = s.get(Account, account_id)
        upsert_statements(s, acc, [
            {"transaction_date": d, "value_date": vd, "amount": amt, "description": text,
             "balance_after": bal, "source": "api", "dedupe_key": f"api:{n}"}
            for n, (d, vd, amt, text, bal) in enumerate(ROWS)])
        s.commit()


@pytest.mark.parametrize("encoding,charset", [("utf-8-sig", "utf-8"), ("cp932", "Shift_JIS")])
def test_export_round_trip_into_another_account(db, auth, client, encoding, charset):
    auth.signup()
    source = register(auth, kind="api:personal", name="本店 普通 1234567")
    _seed(db, source)
    resp = client.get(f"/accounts/{source}/export?encoding={encoding}")
    assert resp.status_code == 200 and resp.is_streamed
    assert resp.headers["Content-Type"] == f"text/csv; charset={charset}"
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="statements-')
    assert "本店 普通 1234567_" in unquote(disposition.split("filename*=UTF-8''")[1])
    body = resp.get_data()
    assert body.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    assert body.decode(encoding).startswith("取引日,起算日,摘要,入金,出金,残高,メモ\r\n")
    target = register(auth, name="写し")
    import_file(auth, target, body)
    assert ledger(db, target) == ledger(db, source)
    # Exporting the copy gives the same file again, and importing it again adds nothing.
    again = client.get(f"/accounts/{target}/export?encoding={encoding}").get_data()
    assert again == body
    import_file(auth, target, again)
    assert len(ledger(db, target)) == len(ROWS)


def test_export_of_imported_files_round_trips(db, auth, client):
    auth.signup()
    first = register(auth)
    import_file(auth, first, MUFG.encode("cp932"))
    second = register(auth, name="二つ目")
    body = client.get(f"/accounts/{first}/export?encoding=cp932").get_data()
    import_file(auth, second, body)
    assert ledger(db, second) == ledger(db, first)


def test_export_of_many_rows_streams_in_batches(db, auth, client):
    auth.signup()
    account_id = register(auth)
    with db() as s:
        acc = s.get(Account, account_id)
        upsert_statements(s, acc, [
            {"transaction_date": date(2024, 1, 1 + n % 28), "amount": -n - 1, "description": f"取引{n}",
             "source": "manual", "dedupe_key": f"manual:{n}"} for n in range(2345)])
        s.commit()
    body = client.get(f"/accounts/{account_id}/export").get_data().decode("utf-8-sig")
    lines = body.split("\r\n")
    assert len(lines) == 2345 + 2 and lines[-1] == ""
    dates = [line.split(",")[0] for line in lines[1:-1]]
    assert dates == sorted(dates)  # oldest first, ledger order


def test_export_of_an_empty_account_is_the_header(auth, client):
    auth.signup()
    account_id = register(auth)
    body = client.get(f"/accounts/{account_id}/export?encoding=cp932").get_data()
    assert body.decode("cp932") == "取引日,起算日,摘要,入金,出金,残高,メモ\r\n"


def test_unknown_encoding_is_refused(auth, client):
    auth.signup()
    account_id = register(auth)
    assert client.get(f"/accounts/{account_id}/export?encoding=latin-1").status_code == 400


def test_export_links_on_the_statements_page(auth, client):
    auth.signup()
    account_id = register(auth)
    page = client.get(f"/accounts/{account_id}/statements").get_data(as_text=True)
    assert f"/accounts/{account_id}/export?encoding=utf-8-sig" in page
    assert f"/accounts/{account_id}/export?encoding=cp932" in page
    assert f"/accounts/{account_id}/import" in page
