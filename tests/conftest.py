"""Shared fixtures: a portal app on a temporary database, a client, a signed-up user."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from portal import create_app
from portal.crypto import generate_key

ROOT = Path(__file__).resolve().parent.parent
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _compile_translations() -> None:
    # `make test` compiles them; a bare `pytest` run should see English too.
    mo = ROOT / "portal/translations/en/LC_MESSAGES/messages.mo"
    po = mo.with_suffix(".po")
    if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile",
                        "-d", str(ROOT / "portal/translations")], check=True)


_compile_translations()

FAKE_BANKS = {"banks": {
    "0001": {"dialect": "gmo", "issuer": "http://127.0.0.1:9/banks/0001", "client_id": "c",
             "client_secret": "s"},
    "0038": {"dialect": "gmo", "issuer": "http://127.0.0.1:9/banks/0038", "client_id": "c",
             "client_secret": "s"},
}}


def portal_config(tmp_path: Path, **overrides) -> dict:
    cfg = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "TOKEN_KEYS": generate_key(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite'}",
        "SCHEDULER_ENABLED": False,
        "BANK_CONNECTIONS": FAKE_BANKS,
        "LOGIN_MAX_FAILURES": 5,
    }
    cfg.update(overrides)
    return cfg


@pytest.fixture
def app(tmp_path):
    app = create_app(portal_config(tmp_path), instance_path=str(tmp_path / "instance"))
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1)


class Auth:
    def __init__(self, client):
        self.client = client

    def token(self, path: str = "/login") -> str:
        return csrf_from(self.client.get(path).get_data(as_text=True))

    def signup(self, email="owner@example.jp", password="correct horse 1", office="山田商店"):
        return self.client.post("/signup", data={
            "csrf_token": self.token("/signup"), "office_name": office, "email": email,
            "password": password, "confirm": password})

    def login(self, email="owner@example.jp", password="correct horse 1"):
        return self.client.post("/login", data={
            "csrf_token": self.token(), "email": email, "password": password})

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.token("/")})

    def post(self, path, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token("/"))
        return self.client.post(path, data=data, **kw)


@pytest.fixture
def auth(client):
    return Auth(client)
