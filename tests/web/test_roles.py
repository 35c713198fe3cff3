"""Every role against every route, generated from the URL map: a role the permission table
grants gets its answer (a page, a redirect, or a form's refusal), a role it does not gets 403
with nothing of the office in it, for pages and htmx requests alike and whatever the ids in
the URL. The pages a role may see offer only the controls it may use. See portal/permissions.py.

One office (its owner signed up through the forms, accounts registered through the pages,
statements, an import, books with an entry, a rule and an export, API accounts in the states
that offer bank controls) is built once for the module, with a member of each role. Pages and
refused requests use it as it is (a refusal comes before any view runs). A change a role is
allowed to make is sent in a second office built the same way, by a second member of that role
logged in afresh, at objects made for that one test: no case can spoil another's data or session.
"""
import re
import tempfile
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from itertools import count
from pathlib import Path

import pytest
from sqlmodel import Session, select
from werkzeug.exceptions import HTTPException

from portal import create_app
from portal.models import (
    Account,
    BankConnection,
    BookExport,
    BookRule,
    BookTitle,
    Membership,
    Office,
    Statement,
    StatementImport,
    User,
)
from portal.models.vocabulary import ConnectionState, Role, RuleMatch, StatementSource, SyncMethod, SyncState
from portal.permissions import GRANTS, Can, Open, need_of
from portal.services import users
from portal.services.books import booking
from portal.services.books.inbox import Suggestion
from tests.support.auth import Auth
from tests.support.portal_config import portal_config
from tests.web.csv_helpers import MUFG, RAKUTEN, import_file, preview_location, register

PASSWORD = "correct horse 1"
OFFICE = "役割検証商店"
ACCOUNT = "役割検証の普通預金"
STATEMENT = "ヤクワリケンショウ ニュウキン"
ALLOWED = {200, 204, 302, 303, 400, 404, 409, 422}
NOTHING = 987654321  # an id that matches nothing


def _url_map():
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(portal_config(Path(tmp)), instance_path=str(Path(tmp) / "instance"))
        app.extensions["db_engine"].dispose()
    return app.url_map


URL_MAP = _url_map()
RULES = [(rule, method) for rule in sorted(URL_MAP.iter_rules(), key=lambda r: (r.rule, r.endpoint))
         if rule.endpoint != "static" for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
# The API's routes answer to tokens, not to roles (tests/web/test_api_*.py).
ROLE_CASES = [(rule, method) for rule, method in RULES
              if need_of(rule.endpoint) not in (Open.PUBLIC, Open.API)]
GET_RULES_WITH_IDS = [rule for rule, method in ROLE_CASES if method == "GET" and "<int:" in rule.rule]


def case_id(case) -> str:
    rule, method = case
    return f"{method} {rule.rule}"


def allows(role: Role, endpoint: str) -> bool:
    need = need_of(endpoint)
    # Open.API: the API's own pages (its docs) and token-checked routes, open to every role.
    return need in (Open.SIGNED_IN, Open.PUBLIC, Open.API) or need in GRANTS[role]


class World:
    """The office, its ids by URL parameter name, and one signed-in client per role."""

    def __init__(self, tmp: Path):
        # Members log in hundreds of times here; the sign-in limits have tests of their own.
        self.app = create_app(portal_config(tmp, RATELIMIT_ENABLED=False),
                              instance_path=str(tmp / "instance"))
        self.engine = self.app.extensions["db_engine"]
        self._n = count(1)
        owner = Auth(self.app.test_client())
        assert owner.signup(email="owner@example.jp", password=PASSWORD, office=OFFICE).status_code == 303
        manual = register(owner, kind="manual:personal", name=ACCOUNT)
        api = register(owner, kind="api:personal", name="役割検証のAPI口座")
        import_file(owner, manual, MUFG.encode("utf-8"))
        upload = preview_location(owner, manual, RAKUTEN.encode("utf-8")).rsplit("/", 1)[1]
        resp = owner.post(f"/accounts/{manual}/statements/new", {
            "transaction_date": "2024-04-10", "description": STATEMENT, "deposit": "12,345"})
        assert resp.status_code == 303, resp.get_data(as_text=True)
        assert owner.post("/books/start/", {"business_form": "corporation"}).status_code == 303
        with self.session() as s:
            self.office_id = s.exec(select(Office.id).where(Office.name == OFFICE)).one()
            statement_id = s.exec(select(Statement.id).where(Statement.description == STATEMENT)).one()
            import_id = s.exec(select(StatementImport.id).where(StatementImport.account_id == manual)
                               .where(StatementImport.added > 0)).first()
            sale = s.exec(select(Statement.id).where(Statement.account_id == manual,
                                                     Statement.amount == 300000)).one()
            self.sales_title = self._title(s, "売上高")
            self.expense_title = self._title(s, "通信費")
            entry_id = booking.confirm(s, self.office_id, sale, Suggestion(title_id=self.sales_title)).id
        resp = owner.post("/books/rules/new", {
            "match": "contains", "pattern": "ﾃﾞﾝﾜ", "direction": "out", "skip": "book",
            "title_id": str(self.expense_title), "active": "y", "name": "電話代"})
        assert resp.status_code == 303, resp.get_data(as_text=True)
        resp = owner.post("/books/exports/download", {
            "date_from": "2024-04-01", "date_to": "2024-04-30", "format_key": "generic",
            "accounts": [manual]})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        self._bank_states()
        with self.session() as s:
            rule_id = s.exec(select(BookRule.id).where(BookRule.office_id == self.office_id)).one()
            export_id = s.exec(select(BookExport.id).where(BookExport.office_id == self.office_id)).one()
        self.api_account = api
        self.ids = {"account_id": manual, "statement_id": statement_id, "import_id": import_id,
                    "entry_id": entry_id, "rule_id": rule_id, "export_id": export_id,
                    "upload": upload, "kind": "titles", "ident": self.expense_title,
                    "bank_code": "0001"}
        self.clients = {Role.OWNER: owner}
        for role in (Role.ADMIN, Role.BOOKKEEPER, Role.VIEWER):
            self.clients[role] = self.member(f"{role.value}@example.jp", role)
        self.posters = {role: f"poster-{role.value}@example.jp" for role in Role}
        for role, email in self.posters.items():
            self.join(email, role)
        self.tokens = {role: auth.token("/") for role, auth in self.clients.items()}

    def _bank_states(self) -> None:
        """API accounts in the states whose rows offer bank controls: linked, with a consent
        about to end ([今すぐ同期], 再認証); a consent ended (再認証); a remote account to pick."""
        soon = datetime.now(UTC) + timedelta(days=3)
        with self.session() as s:
            for name, state, sync_state in (
                    ("役割検証の連携口座", ConnectionState.ACTIVE, SyncState.DONE),
                    ("役割検証の再認証口座", ConnectionState.REAUTH_REQUIRED, SyncState.FAILED),
                    ("役割検証の選択待ち口座", ConnectionState.ACTIVE, SyncState.NEEDS_SELECTION)):
                conn = BankConnection(office_id=self.office_id, bank_code="0001", state=state,
                                      consent_expires_at=soon)
                s.add(conn)
                s.flush()
                s.add(Account(office_id=self.office_id, name=name, bank_code="0001", kind="personal",
                              sync_method=SyncMethod.API, connection_id=conn.id, sync_state=sync_state))
            s.commit()

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @staticmethod
    def _title(s: Session, name: str) -> int:
        return s.exec(select(BookTitle.id).where(BookTitle.name == name)).one()

    def join(self, email: str, role: Role) -> None:
        """A user whose one membership is `role` in the office (made when missing)."""
        with self.session() as s:
            user = s.exec(select(User).where(User.email == email)).first()
            if user is None:
                user = users.sign_up(s, email=email, password=PASSWORD, office_name="自分の事業所")
            for m in s.exec(select(Membership).where(Membership.user_id == user.id)).all():
                s.delete(m)
            s.flush()
            s.add(Membership(user_id=user.id, office_id=self.office_id, role=role))
            s.commit()

    def member(self, email: str, role: Role) -> Auth:
        self.join(email, role)
        auth = Auth(self.app.test_client())
        assert auth.login(email=email, password=PASSWORD).status_code in (302, 303)
        return auth

    def fresh_ids(self) -> dict:
        """Objects for one allowed change to act on (and maybe delete): an account with a
        manual statement in the inbox, an import, a booked entry and a rule."""
        n = next(self._n)
        with self.session() as s:
            account = Account(office_id=self.office_id, name=f"使い捨て{n}", bank_code="0001",
                              kind="personal", sync_method=SyncMethod.MANUAL)
            s.add(account)
            s.flush()
            batch = StatementImport(office_id=self.office_id, account_id=account.id, added=2)
            s.add(batch)
            s.flush()
            rows = [Statement(office_id=self.office_id, account_id=account.id, amount=amount,
                              transaction_date=date(2024, 4, 20), description=f"ｼﾖｳﾋﾝ {n}",
                              source=StatementSource.MANUAL, dedupe_key=f"manual:fresh{n}:{i}",
                              import_id=batch.id)
                    for i, amount in enumerate((1000, 2000))]
            s.add_all(rows)
            rule = BookRule(office_id=self.office_id, match=RuleMatch.CONTAINS, pattern=f"x{n}",
                            position=1000 + n)
            s.add(rule)
            s.commit()
            entry = booking.confirm(s, self.office_id, rows[1].id, Suggestion(title_id=self.sales_title))
            return {**self.ids, "account_id": account.id, "statement_id": rows[0].id,
                    "import_id": batch.id, "entry_id": entry.id, "rule_id": rule.id}

    def account_for(self, endpoint: str, ids: dict) -> dict:
        """Pages about a bank link are asked of the API account, the rest of a manual one."""
        if endpoint.startswith(("account.consent.", "account.sync.select_remote",
                                "account.settings.logins", "account.settings.use_login",
                                "account.settings.troubleshooting", "account.settings.disconnect")):
            return {**ids, "account_id": self.api_account}
        return ids


def fill(rule, ids: dict) -> tuple[str, bool]:
    """The rule's path with its parameters from `ids` (a value that matches nothing for the
    others), and whether every parameter had a real value."""
    known = True

    def value(m):
        nonlocal known
        name = m.group(2)
        if name in ids:
            return str(ids[name])
        known = False
        return str(NOTHING) if m.group(1) == "int:" else "nothing-here"

    return re.sub(r"<([a-z]+:)?([^>]+)>", value, rule.rule), known


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("roles"))
    yield w
    w.engine.dispose()


@pytest.fixture(scope="module")
def changing_world(tmp_path_factory):
    """A second office like `world`, for the changes roles are allowed to make: whatever they
    change (even all of the inbox at once), the pages and refusals checked in `world` stay as
    they were built."""
    w = World(tmp_path_factory.mktemp("roles-changes"))
    yield w
    w.engine.dispose()


def assert_refused(resp, what: str):
    assert resp.status_code == 403, f"{what}: {resp.status_code}"
    body = resp.get_data(as_text=True)
    for marker in (ACCOUNT, STATEMENT):
        assert marker not in body, f"{what}: 403 shows {marker}"
    # The header names the member's own current office (the office switcher); the answer does not.
    assert OFFICE not in re.sub(r"<header.*?</header>", "", body, flags=re.S), f"{what}: 403 shows {OFFICE}"


# Controls on a page: links, forms and htmx attributes, with the method they use.
class _Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._form_method: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form_method = (a.get("method") or "get").upper()
            if a.get("action"):
                self.found.append((self._form_method, a["action"]))
        if tag == "a" and a.get("href"):
            self.found.append(("GET", a["href"]))
        if a.get("formaction"):
            self.found.append((self._form_method or "GET", a["formaction"]))
        for attr, method in (("hx-get", "GET"), ("hx-post", "POST")):
            if a.get(attr):
                self.found.append((method, a[attr]))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form_method = None


def controls(html: str) -> list[tuple[str, str]]:
    parser = _Controls()
    parser.feed(html)
    return parser.found


def endpoints_offered(html: str) -> set[tuple[str, str]]:
    """(method, endpoint) of every control of the page that leads into the portal."""
    adapter = URL_MAP.bind("localhost")
    found = set()
    for method, url in controls(html):
        path = url.split("#")[0].split("?")[0]
        if not path.startswith("/"):
            continue
        try:
            endpoint, _args = adapter.match(path, method=method)
        except HTTPException:
            continue
        found.add((method, endpoint))
    return found


def assert_offers_only_allowed(resp, role: Role, what: str):
    if resp.status_code != 200 or "text/html" not in resp.headers.get("Content-Type", ""):
        return
    for method, endpoint in endpoints_offered(resp.get_data(as_text=True)):
        assert allows(role, endpoint), f"{what}: a {role.value} is offered {method} {endpoint}"


def test_every_endpoint_is_in_the_permission_table():
    missing = sorted({rule.endpoint for rule in URL_MAP.iter_rules() if need_of(rule.endpoint) is None})
    assert not missing, f"endpoints the permission table does not name: {missing}"


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("case", ROLE_CASES, ids=case_id)
def test_role_against_route(world, request, case, role):
    rule, method = case
    endpoint = rule.endpoint
    allowed = allows(role, endpoint)
    what = f"{role.value} {method} {rule.rule} ({endpoint}: {need_of(endpoint)})"
    if method == "GET":
        path, known = fill(rule, world.account_for(endpoint, world.ids))
        auth = world.clients[role]
        for headers in ({}, {"HX-Request": "true"}):
            resp = auth.client.get(path, headers=headers)
            if not allowed:
                assert_refused(resp, what)
                continue
            assert resp.status_code in ALLOWED, f"{what}: {resp.status_code}"
            if known:  # real ids: the page itself, not a 404
                assert resp.status_code < 400, f"{what}: {resp.status_code}"
            assert_offers_only_allowed(resp, role, what)
        return
    if not allowed:
        auth = world.clients[role]
        path, _known = fill(rule, world.account_for(endpoint, world.ids))
        resp = auth.post(path, {"csrf_token": world.tokens[role]})
        assert_refused(resp, what)
        htmx = auth.post(path, {"csrf_token": world.tokens[role]}, headers={"HX-Request": "true"})
        assert_refused(htmx, what)
        return
    # An allowed change: in the other office, by a second member of the role logged in
    # afresh (a change may end sessions), at objects made for this test.
    changing = request.getfixturevalue("changing_world")
    path, _known = fill(rule, changing.account_for(endpoint, changing.fresh_ids()))
    poster = changing.member(changing.posters[role], role)
    resp = poster.post(path)
    assert resp.status_code in ALLOWED, f"{what}: {resp.status_code}"


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("rule", GET_RULES_WITH_IDS, ids=lambda r: r.rule)
def test_unknown_ids_are_refused_before_they_are_looked_up(world, rule, role):
    """A refused role gets 403 whether the id exists or not: the answer tells nothing."""
    path, _known = fill(rule, {k: v for k, v in world.ids.items() if not k.endswith("_id")})
    resp = world.clients[role].client.get(path)
    what = f"{role.value} GET {path} ({rule.endpoint})"
    if allows(role, rule.endpoint):
        assert resp.status_code in ALLOWED - {200}, f"{what}: {resp.status_code}"
    else:
        assert_refused(resp, what)


def test_the_fixture_office_is_intact(world):
    """The refused changes above changed nothing: the owner still sees the data."""
    owner = world.clients[Role.OWNER].client
    ids = world.ids
    page = owner.get(f"/accounts/{ids['account_id']}/statements").get_data(as_text=True)
    assert ACCOUNT in page and STATEMENT in page
    assert owner.get(f"/books/entries/{ids['entry_id']}").status_code == 200
    assert owner.get(f"/books/rules/{ids['rule_id']}/edit").status_code == 200


READ_ONLY = "閲覧のみの権限のため、変更はできません。"
MAIN_PAGES = ["/", "/reauth/", "/accounts/", "/accounts/{account_id}/statements",
              "/accounts/{account_id}/imports", "/accounts/{account_id}/log", "/books/inbox/",
              "/books/rules/", "/books/masters/titles", "/books/masters/accounts", "/books/entries",
              "/books/entries/{entry_id}", "/books/exports", "/books/reconcile"]


def _main(html: str) -> str:
    """The page without its header (the menu and the office switcher are the same on every page)."""
    return re.sub(r"<header.*?</header>", "", html, flags=re.S)


def _posts(html: str) -> set[str]:
    return {e for m, e in endpoints_offered(html) if m == "POST"} - {"auth.logout", "auth.set_language"}


@pytest.mark.parametrize("page", MAIN_PAGES)
def test_a_viewer_sees_no_write_controls(world, page):
    path = page.format(**world.ids)
    viewer = world.clients[Role.VIEWER].client.get(path)
    assert viewer.status_code == 200
    html = _main(viewer.get_data(as_text=True))
    assert not _posts(html), f"{path}: a viewer is offered {_posts(html)}"
    offered = {e for _m, e in endpoints_offered(html)}
    assert all(need_of(e) in (Can.READ, Open.SIGNED_IN, Open.PUBLIC) for e in offered), offered
    owner = _main(world.clients[Role.OWNER].client.get(path).get_data(as_text=True))
    if _posts(owner) or {e for _m, e in endpoints_offered(owner)} - offered:
        # The owner has controls here that the viewer does not: the viewer is told why, once.
        assert html.count(READ_ONLY) == 1, path
    assert READ_ONLY not in owner


def test_a_bookkeeper_books_but_does_not_link(world):
    ids = world.ids
    bookkeeper = world.clients[Role.BOOKKEEPER].client
    offered = set()
    for page in MAIN_PAGES:
        html = bookkeeper.get(page.format(**ids)).get_data(as_text=True)
        offered |= {e for _m, e in endpoints_offered(html)}
        assert READ_ONLY not in html
    assert {"account.sync.sync_now", "account.statements.new", "account.memo.edit", "account.files.export",
            "books.inbox.edit", "books.inbox.skip", "books.rules.new", "books.exports.download",
            "books.entries.edit"} <= offered
    assert not {e for e in offered if need_of(e) in (Can.LINK, Can.MEMBERS, Can.OWN)}, offered
    admin = world.clients[Role.ADMIN].client.get("/").get_data(as_text=True)
    assert {"accounts.new", "account.settings.edit", "account.consent.start", "account.sync.select_remote",
            "reauth.index"} <= {e for _m, e in endpoints_offered(admin)}
    reauth = world.clients[Role.ADMIN].client.get("/reauth/").get_data(as_text=True)
    assert "account.consent.start" in {e for _m, e in endpoints_offered(reauth)}
