"""Demo and scripted users: certificate login, locked, expired and revoked-after-sync."""

from __future__ import annotations

import re

import pytest
from bank_api import EARLIEST, gmo, gmo_all
from bank_flow import Browser, auth_params, connect, exchange, http, pkce_pair, refresh


@pytest.mark.parametrize("code", ["0001", "0010", "0038", "0310"])
def test_yamada_has_three_accounts_at_every_bank(bank, code):
    accounts = bank.admin("GET", f"/banks/{code}/_sandbox/users/yamada").json()["accounts"]
    assert len(accounts) >= 3


def test_index_page_says_sandbox_and_lists_demo_logins(bank):
    page = http.get(bank.url + "/")
    assert page.status_code == 200
    assert "これはサンドボックス銀行です。本物の銀行ではありません" in page.text
    for text in ("みずほ", "りそな", "ドコモＳＭＴＢネット", "ＧＭＯあおぞらネット", "yamada",
                 "hojin", "002010000101"):
        assert text in page.text


def test_corporate_user_logs_in_with_a_certificate(bank, client):
    token = connect(bank, "0001", client, login="hojin", certificate=True)
    accounts = gmo(bank, "0001", "accounts", token["access_token"]).json()["accounts"]
    assert accounts[0]["accountName"] == "株式会社つなぐ商事"


def test_corporate_user_cannot_use_a_password_where_certificates_exist(bank, client):
    _, challenge = pkce_pair()
    browser = Browser(bank, "0310")
    try:
        browser.open(auth_params(client, challenge))
        answer = browser.login("hojin")
        assert answer.status_code == 401 and "電子証明書" in answer.text
    finally:
        browser.close()


def test_corporate_user_uses_a_password_where_the_bank_has_no_certificates(bank, client):
    token = connect(bank, "0038", client, login="hojin")
    assert gmo(bank, "0038", "accounts", token["access_token"]).status_code == 200


def test_no_certificate_login_at_a_password_only_bank(bank, client):
    _, challenge = pkce_pair()
    browser = Browser(bank, "0038")
    try:
        page = browser.open(auth_params(client, challenge))
        assert "電子証明書でログイン" not in page.text
    finally:
        browser.close()


def test_locked_user_cannot_log_in(bank, client):
    _, challenge = pkce_pair()
    browser = Browser(bank, "0310")
    try:
        browser.open(auth_params(client, challenge))
        answer = browser.login("locked")
        assert answer.status_code == 423
        assert "ロックされています" in answer.text
        assert "location" not in answer.headers
    finally:
        browser.close()


def test_consent_of_the_expired_user_is_already_expired(bank, client):
    token = connect(bank, "0310", client, login="expired")
    assert token["expires_in"] == 0
    answer = gmo(bank, "0310", "accounts", token["access_token"])
    assert answer.status_code == 401
    assert answer.json()["errorMessage"] == "(0104)お客様の認可期間が終了しました"
    assert refresh(bank, "0310", client, token["refresh_token"]).json()["error"] == "invalid_grant"


def test_revoked_user_loses_consent_after_the_first_sync(bank, client):
    token = connect(bank, "0310", client, login="revoked")
    access = token["access_token"]
    accounts = gmo(bank, "0310", "accounts", access).json()["accounts"]
    rows, _ = gmo_all(bank, "0310", access, accounts[0]["accountId"], dateFrom=EARLIEST)
    assert rows  # the first complete listing is served...
    answer = gmo(bank, "0310", "accounts", access)  # ...and then the consent is gone
    assert answer.status_code == 401
    assert "連携を再設定" in answer.json()["errorMessage"]
    assert refresh(bank, "0310", client, token["refresh_token"]).json()["error"] == "invalid_grant"


def test_consent_requires_an_account_and_a_permission(bank, client):
    verifier, challenge = pkce_pair()
    browser = Browser(bank, "0310")
    try:
        browser.open(auth_params(client, challenge))
        browser.login()
        answer = browser.consent(accounts=[])
        assert answer.status_code == 400 and "1つ以上" in answer.text
        answer = browser.consent(permissions=[])
        assert answer.status_code == 400
        done = browser.consent()
        assert done.status_code == 302
        found = re.search(r"code=([^&]+)", done.headers["location"])
        assert exchange(bank, "0310", client, found.group(1), verifier).status_code == 200
    finally:
        browser.close()


def test_consent_form_needs_its_csrf_token(bank, client):
    _, challenge = pkce_pair()
    browser = Browser(bank, "0310")
    try:
        browser.open(auth_params(client, challenge))
        answer = browser.http.post(browser.url, data={"action": "login", "login": "yamada",
                                                      "password": "password", "csrf": "x"})
        assert answer.status_code == 400
    finally:
        browser.close()
