"""Drive the sandbox bank's authorization pages over HTTP like a browser would."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

# Shared by the tests: keeps connections cheap (werkzeug closes each one anyway).
http = httpx.Client(timeout=30)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in page"
    return found.group(1)


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@dataclass
class TestClient:
    client_id: str
    client_secret: str
    redirect_uri: str
    name: str

    @property
    def basic(self) -> tuple[str, str]:
        return (self.client_id, self.client_secret)


def new_client(server, name="テスト連携サービス") -> TestClient:
    client = TestClient(f"client-{secrets.token_hex(4)}", secrets.token_urlsafe(16),
                        f"http://127.0.0.1:9/cb/{secrets.token_hex(3)}", name)
    server.register_client(client.client_id, client.client_secret, [client.redirect_uri], name)
    return client


def auth_params(client: TestClient, challenge: str | None, **extra) -> dict:
    params = {"response_type": "code", "client_id": client.client_id,
              "redirect_uri": client.redirect_uri, "scope": "private:account",
              "state": secrets.token_urlsafe(8)}
    if challenge is not None:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}


class Browser:
    """A cookie-keeping client that walks login and consent pages."""

    def __init__(self, server, code: str):
        self.server, self.code = server, code
        self.http = httpx.Client(timeout=30, follow_redirects=False)

    def close(self):
        self.http.close()

    def open(self, params: dict) -> httpx.Response:
        self.url = f"{self.server.bank_url(self.code)}/auth/v1/authorization?{urlencode(params)}"
        return self.http.get(self.url)

    def login(self, login="yamada", password="password") -> httpx.Response:  # noqa: S107
        page = self.http.get(self.url)
        return self.http.post(self.url, data={"csrf": csrf_of(page.text), "action": "login",
                                              "method": "password", "login": login,
                                              "password": password})

    def login_certificate(self, login: str) -> httpx.Response:
        page = self.http.get(self.url)
        chooser = self.http.post(self.url, data={"csrf": csrf_of(page.text), "action": "login",
                                                 "method": "certificate_choose"})
        assert chooser.status_code == 200 and "電子証明書の選択" in chooser.text
        return self.http.post(self.url, data={"csrf": csrf_of(chooser.text), "action": "login",
                                              "method": "certificate", "certificate": login})

    def consent(self, decision="agree", accounts=None, permissions=None) -> httpx.Response:
        page = self.http.get(self.url)
        assert page.status_code == 200 and "外部サービス連携の同意" in page.text, page.text
        if accounts is None:
            accounts = re.findall(r'name="accounts" value="([^"]+)"', page.text)
        if permissions is None:
            permissions = re.findall(r'name="permissions" value="([^"]+)"', page.text)
        data = {"csrf": csrf_of(page.text), "action": "consent", "decision": decision,
                "accounts": accounts, "permissions": permissions}
        return self.http.post(self.url, data=data)


def authorize(server, code: str, client: TestClient, *, login="yamada", certificate=False,
              accounts=None, permissions=None, scope="private:account") -> tuple[str, str]:
    """Full front-channel flow; returns (authorization code, verifier)."""
    verifier, challenge = pkce_pair()
    params = auth_params(client, challenge, scope=scope)
    browser = Browser(server, code)
    try:
        first = browser.open(params)
        assert first.status_code == 200 and "ログイン" in first.text, first.text
        done = browser.login_certificate(login) if certificate else browser.login(login)
        assert done.status_code == 303, done.text
        answer = browser.consent(accounts=accounts, permissions=permissions)
    finally:
        browser.close()
    assert answer.status_code == 302, answer.text
    query = query_of(answer.headers["location"])
    assert query["state"] == params["state"]
    assert query["iss"] == server.bank_url(code)
    return query["code"], verifier


def exchange(server, code: str, client: TestClient, auth_code: str, verifier: str | None,
             redirect_uri: str | None = None, post_auth=False) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": auth_code,
            "redirect_uri": redirect_uri or client.redirect_uri}
    if verifier is not None:
        data["code_verifier"] = verifier
    auth = None
    if post_auth:
        data.update(client_id=client.client_id, client_secret=client.client_secret)
    else:
        auth = client.basic
    return http.post(f"{server.bank_url(code)}/auth/v1/token", data=data, auth=auth)


def refresh(server, code, client, refresh_token) -> httpx.Response:
    return http.post(f"{server.bank_url(code)}/auth/v1/token", auth=client.basic,
                     data={"grant_type": "refresh_token", "refresh_token": refresh_token})


def connect(server, code, client, **kw) -> dict:
    """Authorize and exchange: the token response as a dict."""
    auth_code, verifier = authorize(server, code, client, **kw)
    response = exchange(server, code, client, auth_code, verifier)
    assert response.status_code == 200, response.text
    return response.json()
