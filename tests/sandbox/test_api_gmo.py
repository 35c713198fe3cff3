"""The gmo dialect's rules, one by one, over real HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from bank_api import (
    BIG_0310,
    EARLIEST,
    PAGE_SIZE,
    YAMADA_0310,
    gmo,
    gmo_all,
    ground_truth,
    today,
)
from bank_flow import connect, http


@pytest.fixture
def token(bank, client):
    return connect(bank, "0310", client)["access_token"]


def walk_nulls(value):
    if isinstance(value, dict):
        for item in value.values():
            walk_nulls(item)
    elif isinstance(value, list):
        for item in value:
            walk_nulls(item)
    else:
        assert value is not None, "optional fields must be omitted, never null"


def test_paging_over_1000_rows_equals_ground_truth(bank, token):
    rows, pages = gmo_all(bank, "0310", token, BIG_0310, dateFrom=EARLIEST)
    truth = ground_truth(bank, "0310", BIG_0310)
    assert len(rows) >= 1000
    assert rows == truth["transactions"]
    assert len(pages) == -(-len(rows) // PAGE_SIZE)
    for body in pages[:-1]:
        assert body["hasNext"] is True
        assert body["count"] == str(PAGE_SIZE) and len(body["transactions"]) == PAGE_SIZE
        assert body["nextItemKey"]
    assert pages[-1]["hasNext"] is False and "nextItemKey" not in pages[-1]
    keys = [r["itemKey"] for r in rows]
    assert len(set(keys)) == len(keys)
    dates = [r["transactionDate"] for r in rows]
    assert dates == sorted(dates)  # oldest first
    assert rows[-1]["balance"] == truth["balance"]
    first = dt.date.fromisoformat(dates[0])
    assert (dt.date.fromisoformat(dates[-1]) - first).days > 700  # 24 months of history


def test_running_balances_are_consistent(bank, token):
    rows, _ = gmo_all(bank, "0310", token, BIG_0310, dateFrom=EARLIEST)
    for before, row in zip(rows, rows[1:], strict=False):
        sign = 1 if row["transactionType"] == "1" else -1
        assert int(before["balance"]) + sign * int(row["amount"]) == int(row["balance"])
        assert int(row["amount"]) > 0


def test_numbers_are_strings_and_optionals_are_omitted(bank, token):
    rows, pages = gmo_all(bank, "0310", token, BIG_0310, dateFrom=EARLIEST)
    for row in rows:
        for key in ("amount", "balance", "itemKey", "transactionType"):
            assert isinstance(row[key], str)
    assert isinstance(pages[0]["count"], str)
    walk_nulls(pages)
    assert any("remarks" not in r for r in rows)  # a row without remarks omits the key
    assert any(r["valueDate"] != r["transactionDate"] for r in rows)  # 起算日 differs
    remarks = [r.get("remarks", "") for r in rows]
    assert any("ﾌﾘｺﾐ" in r for r in remarks)  # half-width kana
    assert any("振込　" in r for r in remarks)  # full-width
    balances = gmo(bank, "0310", "accounts/balances", token).json()["balances"]
    for item in balances:
        for key in ("balance", "withdrawableAmount", "previousDayBalance"):
            assert isinstance(item[key], str) and item[key].lstrip("-").isdigit()
        assert item["baseTime"].endswith("+09:00")


def test_accounts_lists_the_consented_accounts(bank, token):
    body = gmo(bank, "0310", "accounts", token).json()
    assert [a["accountId"] for a in body["accounts"]] == YAMADA_0310
    first = body["accounts"][0]
    assert first["accountId"] == first["branchCode"] + first["accountTypeCode"] + \
        first["accountNumber"]
    assert first["accountNameKana"] == "ﾔﾏﾀﾞ ﾀﾛｳ"
    assert first["primaryAccountCode"] == "1"


def test_balance_of_one_account(bank, token):
    body = gmo(bank, "0310", "accounts/balances", token, accountId=BIG_0310).json()
    assert [b["accountId"] for b in body["balances"]] == [BIG_0310]
    assert body["balances"][0]["balance"] == ground_truth(bank, "0310", BIG_0310)["balance"]


def test_empty_range_is_200_with_an_empty_list(bank, token):
    body = gmo(bank, "0310", "accounts/transactions", token, accountId=BIG_0310,
               dateFrom="2001-01-01", dateTo="2001-01-31")
    assert body.status_code == 200
    data = body.json()
    assert data["transactions"] == [] and data["count"] == "0" and data["hasNext"] is False
    assert "nextItemKey" not in data


def test_date_from_after_date_to_is_400(bank, token):
    answer = gmo(bank, "0310", "accounts/transactions", token, accountId=BIG_0310,
                 dateFrom="2024-02-01", dateTo="2024-01-01")
    assert answer.status_code == 400
    assert answer.json()["errorCode"] == "WG_ERR_110"
    assert answer.json()["errorMessage"]


@pytest.mark.parametrize("params", [
    {"dateFrom": "2024-13-01"}, {"dateFrom": "20240101"}, {"dateTo": "yesterday"},
    {"nextItemKey": "abc"}, {},
])
def test_bad_or_missing_parameters_are_400(bank, token, params):
    if params:
        params = dict(params, accountId=BIG_0310)
    answer = gmo(bank, "0310", "accounts/transactions", token, **params)
    assert answer.status_code == 400
    assert answer.json()["errorCode"] == "WG_ERR_110"


def test_no_dates_means_today(bank, token):
    bank.admin("POST", f"/banks/0310/_sandbox/accounts/{BIG_0310}/transactions",
               json={"count": 2})
    body = gmo(bank, "0310", "accounts/transactions", token, accountId=BIG_0310).json()
    assert body["dateFrom"] == body["dateTo"] == today()
    assert len(body["transactions"]) >= 2
    assert {r["transactionDate"] for r in body["transactions"]} == {today()}


def test_only_date_from_runs_to_today(bank, token):
    start = (dt.date.fromisoformat(today()) - dt.timedelta(days=40)).isoformat()
    rows, pages = gmo_all(bank, "0310", token, BIG_0310, dateFrom=start)
    assert pages[0]["dateTo"] == today()
    truth = [r for r in ground_truth(bank, "0310", BIG_0310)["transactions"]
             if r["transactionDate"] >= start]
    assert rows == truth


def test_only_date_to_runs_from_the_first_statement(bank, token):
    truth = ground_truth(bank, "0310", BIG_0310)["transactions"]
    end = truth[150]["transactionDate"]
    rows, _ = gmo_all(bank, "0310", token, BIG_0310, dateTo=end)
    assert rows == [r for r in truth if r["transactionDate"] <= end]


def test_bearer_header_is_refused_in_this_dialect(bank, token):
    answer = http.get(f"{bank.bank_url('0310')}/personal/v1/accounts",
                      headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401 and answer.json()["errorCode"] == "WG_ERR_401"


def test_unknown_token_is_401(bank):
    answer = gmo(bank, "0310", "accounts", "not-a-token")
    assert answer.status_code == 401 and answer.json()["errorCode"] == "WG_ERR_401"


def test_token_of_another_bank_is_401(bank, token):
    assert gmo(bank, "0001", "accounts", token).status_code == 401


def test_scope_not_granted_is_403(bank, client):
    token = connect(bank, "0310", client, permissions=["balances"])
    assert token["scope"] == "private:account.balances"
    access = token["access_token"]
    assert gmo(bank, "0310", "accounts/balances", access).status_code == 200
    denied = gmo(bank, "0310", "accounts/transactions", access, accountId=BIG_0310)
    assert denied.status_code == 403 and denied.json()["errorCode"] == "WG_ERR_403"


def test_transactions_only_scope(bank, client):
    token = connect(bank, "0310", client, permissions=["transactions"])
    assert token["scope"] == "private:account.transactions"
    access = token["access_token"]
    assert gmo(bank, "0310", "accounts/balances", access).status_code == 403
    assert gmo(bank, "0310", "accounts/transactions", access,
               accountId=BIG_0310).status_code == 200


def test_narrow_scope_request_shows_one_permission(bank, client):
    token = connect(bank, "0310", client, scope="private:account.balances")
    assert token["scope"] == "private:account.balances"


def test_account_not_granted_is_403(bank, client):
    token = connect(bank, "0310", client, accounts=[YAMADA_0310[1]])["access_token"]
    listed = gmo(bank, "0310", "accounts", token).json()["accounts"]
    assert [a["accountId"] for a in listed] == [YAMADA_0310[1]]
    for path, params in (("accounts/transactions", {"accountId": BIG_0310}),
                         ("accounts/balances", {"accountId": BIG_0310}),
                         ("accounts/transactions", {"accountId": "121010000601"})):
        denied = gmo(bank, "0310", path, token, **params)
        assert denied.status_code == 403 and denied.json()["errorCode"] == "WG_ERR_403"
    balances = gmo(bank, "0310", "accounts/balances", token).json()["balances"]
    assert [b["accountId"] for b in balances] == [YAMADA_0310[1]]


def test_item_keys_are_stable_when_statements_arrive(bank, token):
    before = ground_truth(bank, "0310", BIG_0310)["transactions"]
    added = bank.admin("POST", f"/banks/0310/_sandbox/accounts/{BIG_0310}/transactions",
                       json={"transactions": [{"amount": -1234, "remarks": "ﾃｽﾄ ｼﾊﾗｲ"},
                                              {"amount": 5000}]}).json()
    after, _ = gmo_all(bank, "0310", token, BIG_0310, dateFrom=EARLIEST)
    assert after[: len(before)] == before
    assert after[len(before):] == added["transactions"]
    assert int(added["transactions"][0]["balance"]) == int(before[-1]["balance"]) - 1234
    assert "remarks" not in added["transactions"][1]
    assert added["balance"] == after[-1]["balance"]


def test_history_depth_limits_what_is_served(bank, token, patch_profile):
    patch_profile("0310", history_months={"01": 1, "02": 24, "11": 1, "51": 1})
    rows, _ = gmo_all(bank, "0310", token, BIG_0310, dateFrom=EARLIEST)
    now = dt.date.fromisoformat(today())
    start = (now.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    assert rows and all(r["transactionDate"] >= start.isoformat() for r in rows)
    assert rows == ground_truth(bank, "0310", BIG_0310)["transactions"]
    assert bank.admin("GET", "/banks/0310/_sandbox/profile").json()["history_months"]["01"] == 1


def test_page_size_is_a_setting(bank, token, patch_profile):
    patch_profile("0310", page_size=500)
    _, pages = gmo_all(bank, "0310", token, BIG_0310, dateFrom=EARLIEST)
    assert [p["count"] for p in pages[:2]] == ["500", "500"]
