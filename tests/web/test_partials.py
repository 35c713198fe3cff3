"""Every htmx request the office's pages can make is answered with a fragment, never a page.

The test crawls the pages a signed-in user reaches, collects each `hx-get` / `hx-post` and
sends it as htmx would (`HX-Request`, `HX-Target`, the body's `hx-headers`, a form's fields);
fragments are crawled in turn, so the status poll a sync starts is requested too.
"""
import json
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from sqlmodel import select

from portal.models import Account, BankConnection
from tests.web.csv_helpers import register, text

START = ["/", "/accounts/", "/accounts/new"]


@dataclass
class HxRequest:
    method: str  # "get" or "post"
    url: str
    target: str | None  # the id htmx sends as HX-Target
    fields: dict[str, str] = field(default_factory=dict)  # what htmx sends with it

    @property
    def key(self) -> tuple:
        query = tuple(sorted(self.fields.items())) if self.method == "get" else ()
        return self.method, self.url, self.target, query


class _Hypermedia(HTMLParser):
    """The links, the hx-* requests and the body's hx-headers of one page or fragment."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.requests: list[HxRequest] = []
        self.headers: dict[str, str] = {}
        self._form: HxRequest | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "body" and "hx-headers" in a:
            self.headers = json.loads(a["hx-headers"])
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"].split("#")[0])
        if tag == "form":
            self._form = None
        for verb in ("get", "post"):
            if f"hx-{verb}" not in a:
                continue
            target = a.get("hx-target", "")
            req = HxRequest(verb, a[f"hx-{verb}"], target[1:] if target.startswith("#") else a.get("id"))
            if tag == "input" and a.get("name"):  # an input sends its own value
                req.fields[a["name"]] = a.get("value", "")
            self.requests.append(req)
            if tag == "form":
                self._form = req
        if tag == "input" and self._form is not None and a.get("name"):
            self._form.fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def parse(html: str) -> _Hypermedia:
    p = _Hypermedia()
    p.feed(html)
    return p


def crawl_pages(client, account_ids: set[int]) -> dict[str, str]:
    """The office's pages: the start pages and every link under /accounts/<id>/ of its accounts."""
    pages, queue = {}, deque(START)
    while queue:
        url = queue.popleft()
        if url in pages:
            continue
        resp = client.get(url)
        assert resp.status_code < 500, (url, resp.status_code)
        if resp.status_code != 200 or resp.mimetype != "text/html":
            continue  # a redirect (its target is linked too) or a download
        pages[url] = html = text(resp)
        assert "<html" in html, f"{url} is not a whole page: the check below would prove nothing"
        for link in parse(html).links:
            parts = urlsplit(link).path.split("/")
            if len(parts) > 3 and parts[1] == "accounts" and parts[2].isdigit() \
                    and int(parts[2]) in account_ids:
                queue.append(link)
    return pages


def send(client, req: HxRequest, headers: dict[str, str]):
    headers = {**headers, "HX-Request": "true", **({"HX-Target": req.target} if req.target else {})}
    if req.method == "get":
        return client.get(req.url, query_string=req.fields, headers=headers)
    return client.post(req.url, data=req.fields, headers=headers)


def assert_fragment(req: HxRequest, resp) -> str:
    body = text(resp)
    code = resp.status_code
    assert 200 <= code < 300 or 400 <= code < 500, f"{req.method.upper()} {req.url}: {code}"
    assert "<html" not in body.lower(), f"{req.method.upper()} {req.url} answered a whole page"
    return body


def test_every_htmx_request_is_answered_with_a_fragment(auth, client, db):
    auth.signup()
    linked = register(auth, kind="api:personal", name="本店 普通")  # みずほ (0001), by API
    unlinked = register(auth, kind="api:personal", name="二つ目")  # may use the first one's login
    manual = register(auth, kind="manual:personal", name="手動の口座")
    with db() as s:  # as if the consent at the bank had succeeded
        account = s.get(Account, linked)
        conn = BankConnection(office_id=account.office_id, bank_code="0001")
        s.add(conn)
        s.flush()
        account.connection_id = conn.id
        s.commit()
    ids = {linked, unlinked, manual}

    pages = crawl_pages(client, ids)
    assert {"/", "/accounts/", "/accounts/new", f"/accounts/{linked}/settings",
            f"/accounts/{unlinked}/settings", f"/accounts/{manual}/statements"} <= set(pages)
    headers = parse(pages["/"]).headers
    assert "X-CSRFToken" in headers  # what base.html gives every htmx request

    queue = deque(req for html in pages.values() for req in parse(html).requests)
    search = HxRequest("get", "/accounts/new", "bank-results", {"q": "みずほ"})
    queue.append(search)
    logins = HxRequest("get", f"/accounts/{unlinked}/settings/logins", "login-picker")
    for i in sorted(ids):
        queue += [HxRequest("get", f"/accounts/{i}/status", f"account-{i}"),
                  HxRequest("get", f"/accounts/{i}/settings/logins", "login-picker")]
    answered: dict[tuple, str] = {}
    while queue:
        req = queue.popleft()
        if req.key in answered:
            continue
        answered[req.key] = body = assert_fragment(req, send(client, req, headers))
        queue.extend(parse(body).requests)  # e.g. the polling row a sync swaps in

    found = {(method, url) for method, url, *_ in answered}
    assert {("get", "/accounts/new"),  # the bank search
            ("post", f"/accounts/{linked}/sync"),  # 今すぐ同期 on the home row
            ("get", f"/accounts/{linked}/status"),  # the row's poll while the sync is queued
            ("get", f"/accounts/{unlinked}/settings/logins"),  # 他の口座のログイン情報を利用する
            } <= found
    assert "みずほ銀行" in answered[search.key]
    assert 'name="source_account"' in answered[logins.key]
    with db() as s:  # the htmx 今すぐ同期 went through
        assert s.exec(select(Account.sync_state).where(Account.id == linked)).one() == "queued"
