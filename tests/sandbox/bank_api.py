"""Small HTTP helpers for the resource API of both dialects."""

from __future__ import annotations

import datetime as dt
import secrets

from bank_flow import http

YAMADA_0310 = ["002010000101", "101020000102", "102110000103"]
YAMADA_0010 = ["008010000101", "010020000102", "013110000103"]
BIG_0310 = YAMADA_0310[0]
BIG_0010 = YAMADA_0010[0]
EARLIEST = "2000-01-01"
PAGE_SIZE = 100  # the suite's sandbox runs with this page size (see conftest)


def today() -> str:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date().isoformat()


def gmo(bank, code, path, token, **params):
    return http.get(f"{bank.bank_url(code)}/personal/v1/{path}", params=params,
                    headers={"x-access-token": token})


def gmo_all(bank, code, token, account_id, **params):
    """Page through a gmo transactions listing; returns (rows, pages)."""
    rows, pages, key = [], [], None
    while True:
        query = dict(params, accountId=account_id)
        if key:
            query["nextItemKey"] = key
        response = gmo(bank, code, "accounts/transactions", token, **query)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body)
        rows += body["transactions"]
        if not body["hasNext"]:
            return rows, pages
        key = body["nextItemKey"]


def seq_no() -> str:
    return "20250101-" + secrets.token_hex(8)  # 9 + 16 = 25 characters


def mufg_headers(client, token, **extra):
    headers = {"Authorization": f"Bearer {token}", "X-IBM-Client-Id": client.client_id,
               "X-BTMU-Seq-No": seq_no()}
    headers.update(extra)
    return {k: v for k, v in headers.items() if v is not None}


def mufg(bank, client, token, path, headers=None, **params):
    return http.get(f"{bank.bank_url('0010')}/btmu/retail/v2/me/{path}", params=params,
                    headers=headers or mufg_headers(client, token))


def mufg_all(bank, client, token, account_id, **params):
    rows, pages, keyword = [], [], None
    while True:
        query = dict(params)
        if keyword:
            query["nextKeyword"] = keyword
        response = mufg(bank, client, token, f"accounts/{account_id}/transactions", **query)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body)
        rows += body["transactions"]
        if body["nextFlag"] == "0":
            return rows, pages
        keyword = body["nextKeyword"]


def ground_truth(bank, code, account_id):
    response = bank.admin("GET", f"/banks/{code}/_sandbox/ground-truth/{account_id}")
    assert response.status_code == 200, response.text
    return response.json()
