"""Each fault mode is observable by a client, counts and lifetimes work, and clearing works."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from bank_api import BIG_0310, EARLIEST, gmo, gmo_all, ground_truth
from bank_flow import connect, http, refresh


@pytest.fixture
def token(bank, client):
    return connect(bank, "0310", client)["access_token"]


def fault(bank, code="0310", **body):
    response = bank.admin("POST", f"/banks/{code}/_sandbox/faults", json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


def status(bank, code="0310"):
    return http.get(f"{bank.bank_url(code)}/_sandbox/status").json()


def test_admin_endpoints_need_the_admin_token(bank):
    path = f"{bank.url}/banks/0310/_sandbox/faults"
    assert http.get(path).status_code == 401
    assert http.get(path, headers={"X-Sandbox-Admin-Token": "wrong"}).status_code == 403
    assert http.post(f"{bank.url}/_sandbox/clients", json={}).status_code == 401
    gt = f"{bank.url}/banks/0310/_sandbox/ground-truth/{BIG_0310}"
    assert http.get(gt, headers={"X-Sandbox-Admin-Token": "wrong"}).status_code == 403
    assert bank.admin("GET", "/banks/0310/_sandbox/faults").status_code == 200


def test_bad_fault_requests_are_400(bank):
    for body in ({"mode": "explode"}, {"mode": "server_error", "rate": 2},
                 {"mode": "slow", "delay": "x"}, {"mode": "maintenance", "count": 0}):
        assert bank.admin("POST", "/banks/0310/_sandbox/faults", json=body).status_code == 400


def test_maintenance_for_n_seconds_shows_in_status_and_ends(bank, token):
    fault(bank, mode="maintenance", seconds=1.5)
    answer = gmo(bank, "0310", "accounts", token)
    assert answer.status_code == 503 and answer.json()["errorCode"] == "WG_ERR_300"
    shown = status(bank)
    assert shown["open"] is False and shown["maintenance"]["until"]
    assert shown["nextOpening"] == shown["maintenance"]["until"]
    assert gmo(bank, "0001", "accounts", "x").status_code == 401  # other banks unaffected
    deadline = time.monotonic() + 10
    while gmo(bank, "0310", "accounts", token).status_code == 503:
        assert time.monotonic() < deadline, "maintenance never ended"
        time.sleep(0.1)  # polling interval while waiting for the clock
    assert status(bank)["open"] is True


def test_maintenance_until_cleared(bank, token):
    fault(bank, mode="maintenance")
    assert gmo(bank, "0310", "accounts", token).status_code == 503
    shown = status(bank)
    assert shown["open"] is False and shown["maintenance"] == {"until": None}
    listed = bank.admin("GET", "/banks/0310/_sandbox/faults").json()["faults"]
    assert [f["mode"] for f in listed] == ["maintenance"]
    assert bank.admin("DELETE", "/banks/0310/_sandbox/faults").json()["cleared"] == 1
    assert gmo(bank, "0310", "accounts", token).status_code == 200
    assert bank.admin("GET", "/banks/0310/_sandbox/faults").json()["faults"] == []


def test_injected_429_with_retry_after(bank, token):
    fault(bank, mode="rate_limit", retry_after=7, count=1)
    answer = gmo(bank, "0310", "accounts", token)
    assert answer.status_code == 429 and answer.headers["retry-after"] == "7"
    assert answer.json()["errorCode"] == "WG_ERR_429"
    assert gmo(bank, "0310", "accounts", token).status_code == 200  # count used up


def test_real_rate_limit_answers_429_with_retry_after(bank, token, patch_profile):
    patch_profile("0310", rate_limit={"requests": 3, "per_seconds": 60})
    codes = [gmo(bank, "0310", "accounts", token).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    answer = gmo(bank, "0310", "accounts", token)
    assert answer.status_code == 429
    assert 1 <= int(answer.headers["retry-after"]) <= 60
    assert http.get(f"{bank.bank_url('0310')}/_sandbox/status").json()["rateLimit"] == {
        "requests": 3, "per_seconds": 60}


def test_server_errors_with_count(bank, token):
    fault(bank, mode="server_error", rate=1, count=2)
    codes = [gmo(bank, "0310", "accounts", token).status_code for _ in range(3)]
    assert codes == [500, 500, 200]


def test_server_errors_at_a_rate(bank, token):
    fault(bank, mode="server_error", rate=0.5, status=503, count=60)
    codes = [gmo(bank, "0310", "accounts", token).status_code for _ in range(60)]
    assert set(codes) == {200, 503}
    assert 10 <= codes.count(503) <= 50
    assert gmo(bank, "0310", "accounts", token).status_code == 200


def test_slow_responses(bank, token):
    fault(bank, mode="slow", delay=0.4, count=1)
    started = time.monotonic()
    assert gmo(bank, "0310", "accounts", token).status_code == 200
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    gmo(bank, "0310", "accounts", token)
    assert time.monotonic() - started < 0.4


def test_connection_reset_mid_body(bank, token):
    fault(bank, mode="reset", count=1)
    with pytest.raises(httpx.TransportError):
        http.get(f"{bank.bank_url('0310')}/personal/v1/accounts/transactions",
                 params={"accountId": BIG_0310, "dateFrom": EARLIEST},
                 headers={"x-access-token": token})
    assert gmo(bank, "0310", "accounts", token).status_code == 200


def test_truncated_json(bank, token):
    fault(bank, mode="truncate", count=1)
    answer = gmo(bank, "0310", "accounts", token)
    assert answer.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer.text)
    assert gmo(bank, "0310", "accounts", token).json()["accounts"]


def test_new_statements_between_two_pages(bank, token):
    before = ground_truth(bank, "0310", BIG_0310)["count"]
    fault(bank, mode="insert_between_pages", statements=3, count=1)
    rows, pages = gmo_all(bank, "0310", token, BIG_0310, dateFrom=EARLIEST)
    after = ground_truth(bank, "0310", BIG_0310)
    assert after["count"] == before + 3
    assert rows == after["transactions"]  # the later pages carried the new rows
    assert len(rows) == before + 3
    assert bank.admin("GET", "/banks/0310/_sandbox/faults").json()["faults"] == []


def test_revoke_consents_now(bank, client):
    token = connect(bank, "0310", client)
    result = fault(bank, mode="revoke_consents", login="yamada")
    assert result["applied"] is True and result["consents"] >= 1
    answer = gmo(bank, "0310", "accounts", token["access_token"])
    assert answer.status_code == 401
    assert answer.json()["errorMessage"] == (
        "アクセス許可が失効したため連携を再設定していただく必要があります")
    assert refresh(bank, "0310", client, token["refresh_token"]).json()["error"] == "invalid_grant"


def test_expire_consents_now(bank, client):
    token = connect(bank, "0310", client)
    fault(bank, mode="expire_consents")
    answer = gmo(bank, "0310", "accounts", token["access_token"])
    assert answer.status_code == 401
    assert answer.json()["errorMessage"] == "(0104)お客様の認可期間が終了しました"
    assert refresh(bank, "0310", client, token["refresh_token"]).json()["error"] == "invalid_grant"


def test_user_password_change_and_expiry_endpoints(bank, client):
    token = connect(bank, "0310", client)
    assert bank.admin("POST", "/banks/0310/_sandbox/users/yamada/revoke").status_code == 200
    assert gmo(bank, "0310", "accounts", token["access_token"]).status_code == 401
    fresh = connect(bank, "0310", client)  # a consent after the change works again
    assert gmo(bank, "0310", "accounts", fresh["access_token"]).status_code == 200
    assert bank.admin("POST", "/banks/0310/_sandbox/users/yamada/expire").json()["expired"] >= 1
    assert refresh(bank, "0310", client, fresh["refresh_token"]).json()["error"] == "invalid_grant"


def test_faults_are_per_bank(bank, client, token):
    fault(bank, code="0001", mode="maintenance")
    assert gmo(bank, "0310", "accounts", token).status_code == 200
    other = connect(bank, "0001", client)["access_token"]
    assert gmo(bank, "0001", "accounts", other).status_code == 503


def test_arrivals_validate_input(bank):
    path = f"/banks/0310/_sandbox/accounts/{BIG_0310}/transactions"
    for body in ({}, {"count": 0}, {"transactions": [{"amount": "12"}]},
                 {"transactions": [{"amount": 5, "date": "2001-01-01"}]}):
        assert bank.admin("POST", path, json=body).status_code == 400
    assert bank.admin("POST", "/banks/0310/_sandbox/accounts/nope/transactions",
                      json={"count": 1}).status_code == 404


def test_after_lets_calls_through_before_the_fault(bank, token):
    fault(bank, mode="server_error", after=2, count=1)
    assert gmo(bank, "0310", "accounts", token).status_code == 200
    assert gmo(bank, "0310", "accounts", token).status_code == 200
    assert gmo(bank, "0310", "accounts", token).status_code == 500
    assert gmo(bank, "0310", "accounts", token).status_code == 200
