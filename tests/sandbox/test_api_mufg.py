"""The mufg dialect (bank 0010): headers, paths, paging keyword, error shape."""

from __future__ import annotations

import pytest
from bank_api import (
    BIG_0010,
    EARLIEST,
    PAGE_SIZE,
    YAMADA_0010,
    ground_truth,
    mufg,
    mufg_all,
    mufg_headers,
)
from bank_flow import connect, http, new_client


@pytest.fixture
def token(bank, client):
    return connect(bank, "0010", client)["access_token"]


def test_accounts_with_balances(bank, client, token):
    body = mufg(bank, client, token, "accounts").json()
    assert [a["accountId"] for a in body["accounts"]] == YAMADA_0010
    first = body["accounts"][0]
    assert len(first["accountId"]) == 12
    assert first["balance"] == ground_truth(bank, "0010", BIG_0010)["balance"]
    assert isinstance(first["withdrawableAmount"], str)
    for key in ("branchNo", "branchName", "accountTypeCode", "accountTypeDetailCode",
                "accountTypeName", "accountNo", "accountName", "currencyCode"):
        assert first[key]
    assert len(body["operationTime"]) == 8


def test_paging_with_next_keyword_equals_ground_truth(bank, client, token):
    rows, pages = mufg_all(bank, client, token, BIG_0010, inquiryDateFrom=EARLIEST)
    truth = ground_truth(bank, "0010", BIG_0010)["transactions"]
    assert len(rows) == len(truth) >= 1000
    assert [(r["settlementDate"], r["valueDate"], r["amount"], r["balance"],
             r.get("remarks")) for r in rows] == [
        (t["transactionDate"], t["valueDate"], t["amount"], t["balance"], t.get("remarks"))
        for t in truth]
    for body in pages[:-1]:
        assert body["nextFlag"] == "1" and len(body["nextKeyword"]) == 23
        assert body["number"] == str(PAGE_SIZE)
        assert body["transactionIdFirst"] == body["transactions"][0]["transactionId"]
        assert body["transactionIdLast"] == body["transactions"][-1]["transactionId"]
    assert pages[-1]["nextFlag"] == "0" and "nextKeyword" not in pages[-1]
    ids = [r["transactionId"] for r in rows]
    assert len(set(ids)) == len(ids)
    for row in rows:
        sign = "1" if row["debitCreditTypeCode"] == "1" else "2"
        assert sign in ("1", "2") and isinstance(row["amount"], str)
    assert pages[0]["accountInfo"]["accountId"] == BIG_0010


def test_empty_range_and_reversed_range(bank, client, token):
    path = f"accounts/{BIG_0010}/transactions"
    empty = mufg(bank, client, token, path, inquiryDateFrom="2001-01-01",
                 inquiryDateTo="2001-01-02").json()
    assert empty["transactions"] == [] and empty["nextFlag"] == "0" and empty["number"] == "0"
    assert "transactionIdFirst" not in empty
    bad = mufg(bank, client, token, path, inquiryDateFrom="2024-02-01",
               inquiryDateTo="2024-01-01")
    assert bad.status_code == 400
    assert bad.json()["httpCode"] == "400" and bad.json()["moreInformation"]
    assert mufg(bank, client, token, path, nextKeyword="123").status_code == 400


@pytest.mark.parametrize(("change", "status"), [
    ({"X-BTMU-Seq-No": "short"}, 400),
    ({"X-BTMU-Seq-No": None}, 400),
    ({"X-IBM-Client-Id": None}, 401),
    ({"X-IBM-Client-Id": "unknown"}, 401),
    ({"Authorization": None}, 401),
    ({"Authorization": "Bearer nope"}, 401),
])
def test_header_rules(bank, client, token, change, status):
    headers = mufg_headers(client, token, **change)
    answer = mufg(bank, client, token, "accounts", headers=headers)
    assert answer.status_code == status
    assert set(answer.json()) == {"httpCode", "httpMessage", "moreInformation"}


def test_client_id_must_be_the_tokens_client(bank, client, token):
    other = new_client(bank)
    headers = mufg_headers(client, token, **{"X-IBM-Client-Id": other.client_id})
    assert mufg(bank, client, token, "accounts", headers=headers).status_code == 401


def test_x_access_token_is_not_this_dialect(bank, token):
    answer = http.get(f"{bank.bank_url('0010')}/btmu/retail/v2/me/accounts",
                      headers={"x-access-token": token})
    assert answer.status_code == 401


def test_gmo_paths_do_not_exist_at_a_mufg_bank(bank, token):
    answer = http.get(f"{bank.bank_url('0010')}/personal/v1/accounts",
                      headers={"x-access-token": token})
    assert answer.status_code == 404


def test_permissions_and_accounts(bank, client):
    token = connect(bank, "0010", client, permissions=["transactions"],
                    accounts=[YAMADA_0010[1]])["access_token"]
    accounts = mufg(bank, client, token, "accounts").json()["accounts"]
    assert [a["accountId"] for a in accounts] == [YAMADA_0010[1]]
    assert "balance" not in accounts[0]  # no 残高照会, no balance
    denied = mufg(bank, client, token, f"accounts/{BIG_0010}/transactions")
    assert denied.status_code == 403 and denied.json()["httpCode"] == "403"
    other_client = new_client(bank)
    other = connect(bank, "0010", other_client, permissions=["balances"])["access_token"]
    denied = mufg(bank, other_client, other, f"accounts/{BIG_0010}/transactions")
    assert denied.status_code == 403
    assert "balance" in mufg(bank, other_client, other, "accounts").json()["accounts"][0]


def test_faults_use_the_mufg_error_shape(bank, client, token):
    bank.admin("POST", "/banks/0010/_sandbox/faults",
               json={"mode": "rate_limit", "retry_after": 3, "count": 1})
    answer = mufg(bank, client, token, "accounts")
    assert answer.status_code == 429 and answer.headers["retry-after"] == "3"
    assert answer.json()["httpCode"] == "429"


def test_insert_between_pages_in_mufg(bank, client, token):
    before = ground_truth(bank, "0010", BIG_0010)["count"]
    bank.admin("POST", "/banks/0010/_sandbox/faults",
               json={"mode": "insert_between_pages", "statements": 2, "count": 1})
    rows, _ = mufg_all(bank, client, token, BIG_0010, inquiryDateFrom=EARLIEST)
    assert len(rows) == before + 2 == ground_truth(bank, "0010", BIG_0010)["count"]
