import json
from datetime import UTC, datetime

import pytest

from portal.banks.adapters import gmo, mufg
from portal.banks.adapters.responses import parse_retry_after
from portal.banks.errors import (
    BadBankResponse,
    BankApiError,
    BankConnectionError,
    BankServerError,
    BankUnavailable,
    PermissionDenied,
    RateLimited,
    ReauthRequired,
)

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def gmo_body(code, message="エラー"):
    return json.dumps({"errorCode": code, "errorMessage": message}).encode()


def mufg_body(code, message="Error"):
    return json.dumps({"httpCode": code, "httpMessage": message,
                       "moreInformation": "詳細"}).encode()


@pytest.mark.parametrize(("status", "bank_code", "cls", "code"), [
    (400, "WG_ERR_110", BankApiError, "bank_error"),
    (401, "WG_ERR_401", ReauthRequired, "reauth_required"),
    (403, "WG_ERR_403", PermissionDenied, "permission_denied"),
    (429, "WG_ERR_429", RateLimited, "rate_limited"),
    (503, "WG_ERR_300", BankUnavailable, "bank_unavailable"),
    (500, "WG_ERR_500", BankServerError, "bank_error"),
    (502, None, BankServerError, "bank_error"),
])
def test_gmo_status_to_typed_error(status, bank_code, cls, code):
    body = gmo_body(bank_code) if bank_code else b"<html>Bad Gateway</html>"
    err = gmo.error_from_response(status, {}, body)
    assert type(err) is cls
    assert (err.code, err.status, err.bank_code) == (code, status, bank_code)


def test_gmo_maintenance_code_means_unavailable_whatever_the_status():
    assert isinstance(gmo.error_from_response(500, {}, gmo_body("WG_ERR_300")), BankUnavailable)


@pytest.mark.parametrize(("status", "cls"), [
    (400, BankApiError), (401, ReauthRequired), (403, PermissionDenied), (429, RateLimited),
    (503, BankUnavailable), (500, BankServerError), (504, BankServerError),
])
def test_mufg_status_to_typed_error(status, cls):
    err = mufg.error_from_response(status, {}, mufg_body(str(status)))
    assert type(err) is cls
    assert err.bank_code == str(status)
    assert err.bank_message == "詳細"


@pytest.mark.parametrize("module", [gmo, mufg])
@pytest.mark.parametrize(("headers", "expected"), [
    ({"Retry-After": "120"}, 120.0),
    ({"retry-after": " 5 "}, 5.0),
    ({"Retry-After": "Wed, 01 May 2024 12:00:30 GMT"}, 30.0),
    ({"Retry-After": "Wed, 01 May 2024 11:00:00 GMT"}, 0.0),  # in the past: now
    ({"Retry-After": "soon"}, None),
    ({}, None),
])
def test_retry_after_seconds_or_http_date(module, headers, expected):
    for status in (429, 503):
        err = module.error_from_response(status, headers, b"", now=NOW)
        assert err.retry_after == expected


def test_retry_after_is_capped():
    assert parse_retry_after("9" * 400) == 7 * 86400


def test_oauth_invalid_grant_means_reauth():
    body = json.dumps({"error": "invalid_grant"}).encode()
    assert isinstance(gmo.error_from_response(400, {}, body), ReauthRequired)


def test_messages_are_ours_and_bank_text_is_truncated():
    err = gmo.error_from_response(429, {}, gmo_body("WG_ERR_429", "x" * 1000))
    assert str(err) == "the bank's rate limit was reached (WG_ERR_429)"
    assert len(err.bank_message) == 200


@pytest.mark.parametrize("cls", [BadBankResponse, BankConnectionError, BankServerError])
def test_every_error_is_a_bank_api_error_with_a_code(cls):
    err = cls()
    assert isinstance(err, BankApiError)
    assert err.code and str(err)
    assert err.retry_after is None
