"""Login limits: checked atomically before the password (100 parallel attempts get the
budget checked, no more), per client address and per account; the 429 is a page with
Retry-After; the Redis storage works as memory:// does."""
import secrets
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session

from portal import create_app
from portal.services import passwords, users
from tests.support.auth import Auth
from tests.support.portal_config import portal_config

PASSWORD = "correct horse 1"


def _make_app(tmp_path, **overrides):
    cfg = portal_config(tmp_path, WTF_CSRF_ENABLED=False, **overrides)
    return create_app(cfg, instance_path=str(tmp_path / "instance"))


@pytest.fixture
def make_app(tmp_path):
    made = []

    def make(**overrides):
        # A prefix of its own: Redis outlives the test, its counters must not meet another's.
        overrides.setdefault("RATELIMIT_KEY_PREFIX", "test-" + secrets.token_hex(6))
        app = _make_app(tmp_path, **overrides)
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["db_engine"].dispose()


def _user(app, email="owner@example.jp"):
    with Session(app.extensions["db_engine"]) as s:
        users.sign_up(s, email=email, password=PASSWORD, office_name="山田商店")


@pytest.fixture
def checked(monkeypatch):
    """Counts the password checks (each costs an attacker one real guess)."""
    calls = []
    lock = threading.Lock()
    real = passwords.matches

    def counting(password_hash, password):
        with lock:
            calls.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "matches", counting)
    return calls


def _post_login(app, email, password, address="127.0.0.1"):
    client = app.test_client()
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _parallel(n, attempt):
    barrier = threading.Barrier(n)

    def one(i):
        barrier.wait()  # all threads start their request together
        return attempt(i).status_code

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


STORAGES = [
    pytest.param({}, id="memory"),
    pytest.param({"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}, id="redis",
                 marks=pytest.mark.skipif(not _redis_answers(), reason="no Redis answers")),
]


@pytest.mark.parametrize("storage", STORAGES)
def test_a_hundred_parallel_wrong_passwords_get_only_the_account_budget_checked(
        make_app, checked, storage):
    app = make_app(**storage)
    _user(app)
    statuses = _parallel(100, lambda i: _post_login(app, "owner@example.jp", f"guess number {i}"))
    assert len(checked) <= 5
    assert statuses.count(400) == len(checked) and statuses.count(429) == 100 - len(checked)
    # Locked now: even the right password is not checked.
    assert _post_login(app, "owner@example.jp", PASSWORD, address="10.0.0.9").status_code == 429
    assert len(checked) <= 5


@pytest.mark.parametrize("storage", STORAGES)
def test_one_address_guessing_across_many_accounts_is_held_by_the_address_limit(
        make_app, checked, storage):
    app = make_app(LOGIN_ADDRESS_LIMIT="10 per 10 minutes", **storage)
    _user(app)
    statuses = _parallel(100, lambda i: _post_login(app, f"user{i}@example.jp", "some guess 1234",
                                                    address="10.1.1.1"))
    assert len(checked) <= 10 and statuses.count(429) >= 90
    # Only that address: the owner elsewhere gets in.
    assert _post_login(app, "owner@example.jp", PASSWORD, address="10.2.2.2").status_code == 303


def test_failures_lock_the_account_from_every_address_and_only_that_account(make_app):
    app = make_app()
    _user(app)
    _user(app, "other@example.jp")
    for i in range(5):
        assert _post_login(app, "owner@example.jp", "wrong wrong 1", address=f"10.0.0.{i}").status_code == 400
    locked = _post_login(app, "owner@example.jp", PASSWORD, address="10.9.9.9")
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["Retry-After"]) <= 300  # bounded: LOGIN_LOCK_SECONDS
    page = locked.get_data(as_text=True)
    assert "試行の回数が多すぎます。" in page and 'lang="ja"' in page
    assert _post_login(app, "other@example.jp", PASSWORD, address="10.9.9.9").status_code == 303


def test_a_right_password_gives_the_account_budget_back(make_app):
    app = make_app()
    _user(app)
    for _round in range(3):
        for _ in range(4):
            assert _post_login(app, "owner@example.jp", "wrong wrong 1").status_code == 400
        assert _post_login(app, "owner@example.jp", PASSWORD).status_code == 303


def test_the_429_page_is_a_page_with_retry_after_in_english_too(client):
    auth = Auth(client)
    auth.signup()
    auth.logout()
    client.post("/lang", data={"csrf_token": auth.token(), "lang": "en", "next": "/login"})
    for _ in range(5):
        auth.login(password="nope nope nope")
    locked = auth.login()
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "<h1>" in locked.get_data(as_text=True)
