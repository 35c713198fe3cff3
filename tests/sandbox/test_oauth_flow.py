"""OAuth 2.0 of the sandbox bank over real HTTP: the code flow, its pages and every refusal
at the authorization endpoint."""

from __future__ import annotations

import pytest
from bank_flow import (
    Browser,
    auth_params,
    authorize,
    connect,
    exchange,
    http,
    pkce_pair,
    query_of,
)

GMO_BANKS = ["0001", "0038", "0310"]


def accounts_call(bank, code, access):
    return http.get(f"{bank.bank_url(code)}/personal/v1/accounts",
                    headers={"x-access-token": access})


@pytest.mark.parametrize("code", GMO_BANKS)
def test_full_code_flow_with_pkce_at_every_gmo_bank(bank, client, code):
    token = connect(bank, code, client)
    assert token["token_type"] == "Bearer"
    assert token["scope"] == "private:account"
    assert token["expires_in"] == 3600
    assert token["refresh_token"]
    listed = accounts_call(bank, code, token["access_token"])
    assert listed.status_code == 200
    assert len(listed.json()["accounts"]) >= 3  # yamada has 3+ accounts at every bank


def test_token_endpoint_accepts_client_secret_post(bank, client):
    auth_code, verifier = authorize(bank, "0310", client)
    response = exchange(bank, "0310", client, auth_code, verifier, post_auth=True)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"


def test_metadata_names_issuer_endpoints_and_s256_only(bank):
    for url in (f"{bank.bank_url('0310')}/.well-known/oauth-authorization-server",
                f"{bank.url}/.well-known/oauth-authorization-server/banks/0310"):
        meta = http.get(url).json()
        assert meta["issuer"] == bank.bank_url("0310")
        assert meta["authorization_endpoint"] == bank.bank_url("0310") + "/auth/v1/authorization"
        assert meta["token_endpoint"] == bank.bank_url("0310") + "/auth/v1/token"
        assert meta["revocation_endpoint"] == bank.bank_url("0310") + "/auth/v1/tokens/revoke"
        assert meta["code_challenge_methods_supported"] == ["S256"]
        assert "private:account" in meta["scopes_supported"]


def test_login_and_consent_pages_are_japanese_and_say_sandbox(bank, client):
    _, challenge = pkce_pair()
    browser = Browser(bank, "0001")
    try:
        page = browser.open(auth_params(client, challenge))
        assert "本物の銀行ではありません" in page.text
        assert "電子証明書でログイン" in page.text
        assert "sandbox_bank_session" in page.headers.get("set-cookie", "")
        assert browser.login().status_code == 303
        consent = browser.http.get(browser.url)
        for text in ("テスト連携サービス", "残高照会", "入出金明細照会", "同意する", "同意しない",
                     "同意の有効期限"):
            assert text in consent.text
    finally:
        browser.close()


def test_consent_denied_redirects_access_denied_with_iss(bank, client):
    _, challenge = pkce_pair()
    params = auth_params(client, challenge)
    browser = Browser(bank, "0310")
    try:
        browser.open(params)
        browser.login()
        answer = browser.consent(decision="deny")
    finally:
        browser.close()
    assert answer.status_code == 302
    query = query_of(answer.headers["location"])
    assert answer.headers["location"].startswith(client.redirect_uri + "?")
    assert query["error"] == "access_denied"
    assert query["state"] == params["state"]
    assert query["iss"] == bank.bank_url("0310")
    assert "code" not in query


def test_wrong_password_is_refused(bank, client):
    _, challenge = pkce_pair()
    browser = Browser(bank, "0310")
    try:
        browser.open(auth_params(client, challenge))
        answer = browser.login(password="nope")
        assert answer.status_code == 401
        assert "正しくありません" in answer.text
    finally:
        browser.close()


# -- refusals at the authorization endpoint ----------------------------------------------

def test_unknown_client_gets_an_error_page_not_a_redirect(bank, client):
    _, challenge = pkce_pair()
    browser = Browser(bank, "0310")
    try:
        answer = browser.open(auth_params(client, challenge, client_id="nobody"))
    finally:
        browser.close()
    assert answer.status_code == 400
    assert "location" not in answer.headers
    assert "invalid_client" in answer.text


@pytest.mark.parametrize("variant", [
    lambda uri: uri + "/", lambda uri: uri + "?x=1", lambda uri: uri.upper(),
    lambda uri: uri.replace("127.0.0.1:9", "127.0.0.1:10"),
    lambda uri: uri.replace("http://", "https://"), lambda uri: None,
])
def test_redirect_uri_must_match_exactly(bank, client, variant):
    _, challenge = pkce_pair()
    browser = Browser(bank, "0310")
    try:
        answer = browser.open(auth_params(client, challenge, redirect_uri=variant(
            client.redirect_uri)))
    finally:
        browser.close()
    assert answer.status_code == 400
    assert "location" not in answer.headers


@pytest.mark.parametrize("extra", [
    {"code_challenge": None, "code_challenge_method": None},  # no PKCE at all
    {"code_challenge_method": "plain"},
    {"code_challenge_method": None},  # RFC 7636 would default to plain
])
def test_pkce_s256_is_required(bank, client, extra):
    _, challenge = pkce_pair()
    params = auth_params(client, challenge)
    params.update(extra)
    params = {k: v for k, v in params.items() if v is not None}
    browser = Browser(bank, "0310")
    try:
        answer = browser.open(params)
    finally:
        browser.close()
    assert answer.status_code == 302
    query = query_of(answer.headers["location"])
    assert query["error"] == "invalid_request"
    assert query["iss"] == bank.bank_url("0310")
    assert query["state"] == params["state"]


def test_unknown_scope_is_refused(bank, client):
    _, challenge = pkce_pair()
    browser = Browser(bank, "0310")
    try:
        answer = browser.open(auth_params(client, challenge, scope="private:everything"))
    finally:
        browser.close()
    assert query_of(answer.headers["location"])["error"] == "invalid_scope"
