"""The session cookie's memo of verified cookies: it answers exactly as the full check would
(a tampered, expired or other-key cookie is refused; a remembered one still ages out), and a
request's changes to its session never reach the next request with the same cookie."""
from datetime import timedelta

import pytest
from flask import Flask, flash, get_flashed_messages, session

from portal import session_cookies
from portal.session_cookies import SessionCookies


@pytest.fixture
def app():
    app = Flask(__name__)
    app.secret_key = "test key"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=8)
    app.session_interface = SessionCookies()

    @app.post("/set/<value>")
    def set_value(value):
        session["v"] = value
        return "ok"

    @app.get("/get")
    def get_value():
        return session.get("v", "-")

    @app.get("/flash")
    def add_flash():
        flash("once")  # appends to the session's list in place
        return "ok"

    @app.get("/flashes")
    def flashes():
        return ",".join(get_flashed_messages())

    return app


def signed_in(app):
    client = app.test_client()
    client.post("/set/yamada")
    return client, client.get_cookie("session").value


def read(app, cookie: str) -> str:
    return with_cookie(app, cookie, "/get")


def test_a_remembered_cookie_reads_as_the_first_time(app):
    _client, cookie = signed_in(app)
    assert read(app, cookie) == "yamada"
    assert cookie in app.session_interface._verified
    assert read(app, cookie) == "yamada"


def test_a_tampered_cookie_is_refused_and_not_remembered(app):
    _client, cookie = signed_in(app)
    payload, stamp, signature = cookie.rsplit(".", 2)
    forged = f"{payload}.{stamp}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    assert read(app, forged) == "-"
    assert forged not in app.session_interface._verified


def test_a_remembered_cookie_ages_out_with_the_session_lifetime(app, monkeypatch):
    _client, cookie = signed_in(app)
    assert read(app, cookie) == "yamada"
    later = session_cookies.time.time() + 8 * 3600 + 5
    monkeypatch.setattr(session_cookies.time, "time", lambda: later)
    assert read(app, cookie) == "-"


def test_another_secret_key_forgets_what_the_old_one_verified(app):
    _client, cookie = signed_in(app)
    assert read(app, cookie) == "yamada"
    app.secret_key = "a new key"
    assert read(app, cookie) == "-"


def test_a_request_changing_its_session_leaves_the_memo_alone(app):
    client = app.test_client()
    client.get("/flash")
    cookie = client.get_cookie("session").value  # holds one flash, "once"
    assert with_cookie(app, cookie, "/get") == "-"  # now remembered
    # A request with that cookie flashes again: flash() appends to the list in place.
    assert with_cookie(app, cookie, "/flash") == "ok"
    # The next request with the same cookie sees the cookie's own flash, as without the memo.
    assert with_cookie(app, cookie, "/flashes") == "once"


def with_cookie(app, cookie: str, path: str) -> str:
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client.get(path).get_data(as_text=True)


def test_the_memo_is_bounded(app, monkeypatch):
    monkeypatch.setattr(session_cookies, "VERIFIED_KEEP", 3)
    for i in range(10):
        client = app.test_client()
        client.post(f"/set/{i}")
        assert read(app, client.get_cookie("session").value) == str(i)
        assert len(app.session_interface._verified) <= 3
