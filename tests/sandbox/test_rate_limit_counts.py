"""The bank counts, per client, the calls it let through and the calls over its rate limit,
so a test can prove that a client (or a fleet of workers) never went over it."""

from __future__ import annotations

from bank_api import gmo
from bank_flow import connect, http, new_client


def counts(bank, code="0310"):
    response = bank.admin("GET", f"/banks/{code}/_sandbox/rate-limit")
    assert response.status_code == 200, response.text
    return response.json()


def test_over_limit_calls_are_counted_per_client(bank, patch_profile):
    first, second = new_client(bank), new_client(bank)
    token_a = connect(bank, "0310", first)["access_token"]
    token_b = connect(bank, "0310", second)["access_token"]
    patch_profile("0310", rate_limit={"requests": 2, "per_seconds": 60})
    codes = [gmo(bank, "0310", "accounts", token_a).status_code for _ in range(5)]
    assert codes == [200, 200, 429, 429, 429]
    assert gmo(bank, "0310", "accounts", token_b).status_code == 200  # its own budget
    shown = counts(bank)
    assert shown["rate_limit"] == {"requests": 2, "per_seconds": 60}
    assert shown["clients"][first.client_id] == {"allowed": 2, "over_limit": 3}
    assert shown["clients"][second.client_id] == {"allowed": 1, "over_limit": 0}
    elsewhere = counts(bank, "0001")["clients"]  # per bank
    assert first.client_id not in elsewhere and second.client_id not in elsewhere


def test_injected_429_is_not_an_over_limit_call(bank, client):
    token = connect(bank, "0310", client)["access_token"]
    bank.admin("POST", "/banks/0310/_sandbox/faults", json={"mode": "rate_limit", "count": 1})
    assert gmo(bank, "0310", "accounts", token).status_code == 429
    assert counts(bank)["clients"].get(client.client_id, {}).get("over_limit", 0) == 0


def test_clearing_the_counts(bank, client, patch_profile):
    token = connect(bank, "0310", client)["access_token"]
    patch_profile("0310", rate_limit={"requests": 1, "per_seconds": 60})
    assert [gmo(bank, "0310", "accounts", token).status_code for _ in range(2)] == [200, 429]
    assert bank.admin("DELETE", "/banks/0310/_sandbox/rate-limit").json() == {"cleared": True}
    assert client.client_id not in counts(bank)["clients"]
    # The window went too: the next call is allowed again.
    assert gmo(bank, "0310", "accounts", token).status_code == 200


def test_the_counts_need_the_admin_token(bank):
    assert http.get(f"{bank.url}/banks/0310/_sandbox/rate-limit").status_code == 401
    assert bank.admin("GET", "/banks/9999/_sandbox/rate-limit").status_code == 404
