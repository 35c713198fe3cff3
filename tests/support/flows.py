"""The walkthrough over plain HTTP: what a browser does, with httpx following forms."""
import time
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

from tests.support.html_forms import csrf_from, submit


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1, message: str = "condition"):
    """Poll until predicate() is truthy; never a bare sleep as synchronisation."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(interval)


class PortalUser:
    def __init__(self, portal, email="owner@example.jp", password="correct horse 1"):
        self.portal = portal
        self.http: httpx.Client = portal.http()
        self.email, self.password = email, password

    def token(self, path="/") -> str:
        return csrf_from(self.http.get(path).text)

    def signup(self, office="山田商店"):
        page = self.http.get("/signup").text
        resp = self.http.post("/signup", data={
            "csrf_token": csrf_from(page), "office_name": office, "email": self.email,
            "password": self.password, "confirm": self.password})
        assert resp.status_code == 303, resp.text
        return self

    def post(self, path, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token())
        return self.http.post(path, data=data, **kw)

    def register(self, bank_code="0001", kind="api:personal", name=None) -> int:
        resp = self.post(f"/accounts/new/{bank_code}", {"kind": kind, "name": name or ""})
        assert resp.status_code == 303, resp.text
        return int(resp.headers["Location"].split("/")[2])

    def start_consent(self, account_id: int) -> str:
        resp = self.post(f"/accounts/{account_id}/connect")
        assert resp.status_code == 303, resp.text
        return resp.headers["Location"]

    def consent(self, account_id: int, *, login="yamada", password="password",
                decision="同意する", uncheck_accounts=(), uncheck_permissions=()) -> httpx.Response:
        """From the portal's button to the bank's consent and back; returns the callback answer."""
        authorize = self.start_consent(account_id)
        return bank_consent(self.http, authorize, login=login, password=password,
                            decision=decision, uncheck=set(uncheck_accounts) | set(uncheck_permissions))

    def sync(self, account_id: int):
        resp = self.post(f"/accounts/{account_id}/sync")
        assert resp.status_code == 303, resp.text

    def account_state(self, account_id: int) -> str:
        html = self.http.get(f"/accounts/{account_id}/status", headers={"HX-Request": "true"}).text
        marker = 'class="account-row state-'
        return html[html.index(marker) + len(marker):].split()[0].strip('"')

    def wait_state(self, account_id: int, *states, timeout=60.0) -> str:
        return wait_for(lambda: (s := self.account_state(account_id)) in states and s,
                        timeout=timeout, message=f"account {account_id} in {states}")


def bank_consent(http: httpx.Client, authorize_url: str, *, login="yamada", password="password",
                 decision="同意する", uncheck=frozenset()) -> httpx.Response:
    page = http.get(authorize_url, follow_redirects=True)
    assert page.status_code == 200, page.text
    if 'name="login"' in page.text:
        page = submit(http, str(page.url), page.text, button_label="ログイン",
                      values={"login": login, "password": password})
        if page.status_code in (302, 303):
            page = http.get(urljoin(str(page.request.url), page.headers["Location"]))
    if decision is None:
        return page
    resp = submit(http, str(page.url), page.text, button_label=decision, uncheck=set(uncheck))
    assert resp.status_code in (302, 303), resp.text
    back = urljoin(str(resp.request.url), resp.headers["Location"])
    return http.get(back)


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
