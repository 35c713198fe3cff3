"""Service hours as data: the rule engine, and 503 outside hours over HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from bank_api import mufg_headers
from bank_flow import connect, http

from sandbox_bank import service_hours
from sandbox_bank.clock import JST
from sandbox_bank.service_hours import DEFAULT_CLOSURES, closed_until, next_closing


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


@pytest.mark.parametrize(("moment", "until"), [
    ("2025-03-04T12:00", None),  # a Tuesday noon
    ("2025-03-04T23:56", "2025-03-05T00:05"),  # nightly batch
    ("2025-03-05T00:04", "2025-03-05T00:05"),
    ("2025-03-05T00:05", None),
    ("2025-03-09T23:56", "2025-03-10T06:00"),  # 2nd Sunday: until Monday 06:00
    ("2025-03-10T03:00", "2025-03-10T06:00"),
    ("2025-03-16T23:56", "2025-03-17T00:05"),  # 3rd Sunday: only the nightly batch
    ("2025-03-23T23:55", "2025-03-24T06:00"),  # 4th Sunday
    ("2025-01-01T10:00", "2025-01-02T00:05"),  # New Year's Day chains into the nightly batch
    ("2024-12-31T23:58", "2025-01-02T00:05"),
])
def test_default_closures(moment, until):
    found = closed_until(DEFAULT_CLOSURES, at(moment))
    assert found == (at(until) if until else None)


def test_next_closing():
    assert next_closing(DEFAULT_CLOSURES, at("2025-03-04T12:00")) == at("2025-03-04T23:55")


def test_bad_rules_are_refused():
    for rules in ([{"on": "weekly", "start": "01:00", "end": "02:00"}],
                  [{"on": "daily", "start": "25:00", "end": "02:00"}], "daily"):
        with pytest.raises((ValueError, TypeError)):
            service_hours.validate(rules)


CLOSED_ALL_DAY = [{"on": "daily", "start": "00:00", "end": "24:00"}]


def test_outside_service_hours_every_gmo_call_is_503(bank, client, patch_profile):
    token = connect(bank, "0038", client)["access_token"]
    patch_profile("0038", enforce_service_hours=True, service_hours=CLOSED_ALL_DAY)
    for path in ("accounts", "accounts/balances", "accounts/transactions"):
        answer = http.get(f"{bank.bank_url('0038')}/personal/v1/{path}",
                          headers={"x-access-token": token})
        assert answer.status_code == 503
        assert answer.json()["errorCode"] == "WG_ERR_300"
    # Even without a valid token: hours are checked first.
    assert http.get(f"{bank.bank_url('0038')}/personal/v1/accounts").status_code == 503
    status = http.get(f"{bank.bank_url('0038')}/_sandbox/status").json()
    assert status["open"] is False
    assert status["serviceHours"]["closures"] == CLOSED_ALL_DAY
    assert status["nextOpening"] > status["now"]


def test_outside_service_hours_mufg_answers_its_own_503(bank, client, patch_profile):
    token = connect(bank, "0010", client)["access_token"]
    patch_profile("0010", enforce_service_hours=True, service_hours=CLOSED_ALL_DAY)
    answer = http.get(f"{bank.bank_url('0010')}/btmu/retail/v2/me/accounts",
                      headers=mufg_headers(client, token))
    assert answer.status_code == 503
    assert answer.json()["httpCode"] == "503"
    assert answer.json()["httpMessage"] == "Service Unavailable"
    assert answer.json()["moreInformation"]


def test_open_hours_serve_normally(bank, client, patch_profile):
    token = connect(bank, "0038", client)["access_token"]
    patch_profile("0038", enforce_service_hours=True, service_hours=[])
    assert http.get(f"{bank.bank_url('0038')}/personal/v1/accounts",
                    headers={"x-access-token": token}).status_code == 200
    status = http.get(f"{bank.bank_url('0038')}/_sandbox/status").json()
    assert status["open"] is True and status["nextOpening"] is None


def test_status_publishes_the_profile(bank):
    status = http.get(f"{bank.bank_url('0001')}/_sandbox/status").json()
    assert status["bankName"] == "みずほ" and status["dialect"] == "gmo"
    assert status["consentTtl"] == 90 * 86400
    assert status["accessTokenTtl"] == 3600
    assert status["historyMonths"]["01"] == 24
    assert status["serviceHours"]["enforced"] is False  # tests run always open
    assert {"requests", "per_seconds"} <= set(status["rateLimit"])
    assert http.get(f"{bank.bank_url('0010')}/_sandbox/status").json()["consentTtl"] == \
        365 * 86400
    assert http.get(f"{bank.url}/banks/9999/_sandbox/status").status_code == 404


def test_profile_patch_refuses_bad_fields(bank):
    for body in ({"page_size": 0}, {"nope": 1}, {"service_hours": [{"on": "x"}]},
                 {"rate_limit": {"requests": 0, "per_seconds": 1}}, {"consent_ttl": "1"},
                 {"login_methods": ["retina"]}, {"history_months": {"01": -1}}):
        assert bank.admin("PATCH", "/banks/0310/_sandbox/profile", json=body).status_code == 400
