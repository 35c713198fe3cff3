"""Manual entry (validated, nothing half-saved) and the statement list (order, pages, filter)."""
import re

import pytest
from sqlmodel import select

from portal.models import Statement


@pytest.fixture
def manual_account(auth):
    auth.signup()
    resp = auth.post("/accounts/new/0001", {"kind": "manual:personal", "name": "現金出納"})
    return int(resp.headers["Location"].split("/")[2])


def add(auth, account_id, **data):
    return auth.post(f"/accounts/{account_id}/statements/new", data)


def rows(db, account_id):
    with db() as s:
        return s.exec(select(Statement).where(Statement.account_id == account_id)).all()


@pytest.mark.parametrize("data, message", [
    ({"transaction_date": "2026-13-01", "description": "x", "deposit": "100"}, "取引日"),
    ({"transaction_date": "2026-11-01", "description": "", "deposit": "100"}, "摘要を入力してください。"),
    ({"transaction_date": "2026-11-01", "description": "x"}, "入金か出金のどちらか一方"),
    ({"transaction_date": "2026-11-01", "description": "x", "deposit": "1", "withdrawal": "2"},
     "入金か出金のどちらか一方"),
    ({"transaction_date": "2026-11-01", "description": "x", "deposit": "-5"},
     "1円以上、1兆円以下の金額を入力してください。"),
    ({"transaction_date": "2026-11-01", "description": "x", "deposit": "abc"},
     "金額は数字で入力してください"),
])
def test_manual_entry_errors_beside_fields_and_nothing_saved(db, auth, manual_account, data, message):
    resp = add(auth, manual_account, **data)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert message in html and "取引は登録されていません" in html
    assert rows(db, manual_account) == []


def test_manual_entry_saves_signed_amounts(db, auth, manual_account):
    assert add(auth, manual_account, transaction_date="2026-11-01", description="売上 ﾔﾏﾀﾞ",
               deposit="12000", balance_after="12000").status_code == 303
    assert add(auth, manual_account, transaction_date="2026-11-02", description="文具",
               withdrawal="980").status_code == 303
    saved = sorted((r.transaction_date.isoformat(), r.amount, r.source) for r in rows(db, manual_account))
    assert saved == [("2026-11-01", 12000, "manual"), ("2026-11-02", -980, "manual")]
    page = auth.client.get(f"/accounts/{manual_account}/statements").get_data(as_text=True)
    assert page.index("2026/11/02") < page.index("2026/11/01")  # newest first
    assert "12,000円" in page and "980円" in page


def test_list_pages_by_keyset_and_filters_by_date(app, client, auth, manual_account):
    app.config["STATEMENTS_PAGE_SIZE"] = 3
    for day in range(1, 8):
        add(auth, manual_account, transaction_date=f"2026-10-{day:02d}", description=f"d{day}",
            deposit=str(day))
    first = client.get(f"/accounts/{manual_account}/statements").get_data(as_text=True)
    assert re.findall(r"2026/10/0(\d)", first) == ["7", "6", "5"]
    after = re.search(r'after=([^&"]+)', first).group(1)
    second = client.get(f"/accounts/{manual_account}/statements?after={after}").get_data(as_text=True)
    assert re.findall(r"2026/10/0(\d)", second) == ["4", "3", "2"]
    filtered = client.get(f"/accounts/{manual_account}/statements?date_from=2026-10-03&date_to=2026-10-04")
    assert re.findall(r"2026/10/0(\d)", filtered.get_data(as_text=True)) == ["4", "3"]
    bad = client.get(f"/accounts/{manual_account}/statements?date_from=2026-10-05&date_to=2026-10-01")
    assert "終了日は開始日以降にしてください。" in bad.get_data(as_text=True)
    for wrong in ("date_from=2026-13-45", "date_to=abc"):  # said, not silently dropped
        page = client.get(f"/accounts/{manual_account}/statements?{wrong}").get_data(as_text=True)
        assert "日付は 2024-04-01 の形で入力してください。" in page and 'aria-invalid="true"' in page


def test_ids_beyond_the_database_range_are_404(auth, client, manual_account):
    assert client.get("/accounts/99999999999999999999999/statements").status_code == 404


def test_a_break_in_the_balance_chain_is_shown(auth, client, manual_account):
    add(auth, manual_account, transaction_date="2026-10-01", description="a", deposit="1000",
        balance_after="1000")
    add(auth, manual_account, transaction_date="2026-10-02", description="b", withdrawal="100",
        balance_after="900")
    page = client.get(f"/accounts/{manual_account}/statements").get_data(as_text=True)
    assert "残高の連続性が途切れている" not in page
    # A row is missing between 10/02 and 10/05: 900 - 50 should be 850, the bank says 800.
    add(auth, manual_account, transaction_date="2026-10-05", description="c", withdrawal="50",
        balance_after="800")
    page = client.get(f"/accounts/{manual_account}/statements").get_data(as_text=True)
    assert "残高の連続性が途切れている" in page
    assert "2026/10/02〜2026/10/05: 計算上の残高 850円、明細の残高 800円" in page


def test_a_start_date_in_the_future_is_refused_beside_the_field(auth, client):
    from datetime import timedelta

    from portal.dates import today_jst

    auth.signup()
    resp = auth.post("/accounts/new/0001", {"kind": "api:personal", "name": "普通"})
    account_id = int(resp.headers["Location"].split("/")[2])
    tomorrow = (today_jst() + timedelta(days=1)).isoformat()
    resp = auth.post(f"/accounts/{account_id}/settings", {"name": "普通", "period_start": tomorrow})
    assert resp.status_code == 400
    assert "取得開始日には今日以前の日付を入力してください。" in resp.get_data(as_text=True)
    page = client.get(f"/accounts/{account_id}/settings").get_data(as_text=True)
    assert tomorrow not in page  # nothing was saved
    today = today_jst().isoformat()
    assert auth.post(f"/accounts/{account_id}/settings",
                     {"name": "普通", "period_start": today}).status_code == 303
