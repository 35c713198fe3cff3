"""Configured CLIENTS win over the ones a state file kept: a restart with new redirect URIs,
secret or name brings the client up to date (`make run` on another port)."""

from __future__ import annotations

import httpx
from bank_flow import Browser, auth_params, authorize, exchange, pkce_pair
from bank_flow import TestClient as Client  # renamed: pytest would try to collect Test*

from tests.support.sandbox_server import start_sandbox


def configured(client: Client) -> dict:
    return {"client_id": client.client_id, "client_secret": client.client_secret,
            "redirect_uris": [client.redirect_uri], "name": client.name}


def test_restart_updates_a_saved_client_from_the_configuration(tmp_path):
    state = str(tmp_path / "state.sqlite")
    old = Client("demo-client", "old-secret", "http://127.0.0.1:5000/oauth/callback", "旧サービス名")
    new = Client("demo-client", "new-secret", "http://127.0.0.1:5123/oauth/callback", "新サービス名")
    first = start_sandbox(tmp_path / "one", clients=[configured(old)],
                          config={"STATE_FILE": state})
    try:
        auth_code, verifier = authorize(first, "0310", old)
        assert exchange(first, "0310", old, auth_code, verifier).status_code == 200
    finally:
        first.stop()
    second = start_sandbox(tmp_path / "two", clients=[configured(new)],
                           config={"STATE_FILE": state})
    try:
        # The old redirect URI is no longer registered: an error page, never a redirect.
        _, challenge = pkce_pair()
        stale = httpx.get(f"{second.bank_url('0310')}/auth/v1/authorization",
                          params=auth_params(old, challenge), timeout=30)
        assert stale.status_code == 400
        browser = Browser(second, "0310")
        try:
            assert browser.open(auth_params(new, challenge)).status_code == 200
            assert browser.login().status_code == 303
            consent_page = browser.http.get(browser.url).text
        finally:
            browser.close()
        assert "新サービス名" in consent_page and "旧サービス名" not in consent_page
        auth_code, verifier = authorize(second, "0310", new)
        assert exchange(second, "0310", old, auth_code, verifier).status_code == 401
        answer = exchange(second, "0310", new, auth_code, verifier)
        assert answer.status_code == 200, answer.text
    finally:
        second.stop()


def test_restart_keeps_clients_registered_at_run_time(tmp_path):
    state = str(tmp_path / "state.sqlite")
    extra = Client("late-client", "late-secret", "http://127.0.0.1:9/cb/late", "後から登録")
    first = start_sandbox(tmp_path / "one", config={"STATE_FILE": state})
    try:
        first.register_client(extra.client_id, extra.client_secret, [extra.redirect_uri],
                              extra.name)
    finally:
        first.stop()
    second = start_sandbox(tmp_path / "two", config={"STATE_FILE": state})
    try:
        auth_code, verifier = authorize(second, "0310", extra)
        assert exchange(second, "0310", extra, auth_code, verifier).status_code == 200
    finally:
        second.stop()
