"""Sessions that really end: a copied session cookie stops working after logout, a password
change or 「すべての端末からログアウト」; signed-in pages are not cached; the session cookie
carries nothing secret (the PKCE verifier and OAuth state stay on the server)."""
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from tests.support.auth import Auth

COOKIE = "tsunagu_session"


def _copy_of(app, client):
    """A fresh client holding a copy of `client`'s session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def _signed_in(client) -> bool:
    resp = client.get("/")
    if resp.status_code == 302:
        assert resp.headers["Location"].startswith("/login")
        return False
    assert resp.status_code == 200
    return True


def _decoded(app, client) -> dict:
    return app.session_interface.get_signing_serializer(app).loads(client.get_cookie(COOKIE).value)


def test_a_copied_cookie_stops_working_after_logout(app, auth, client):
    auth.signup()
    thief = _copy_of(app, client)
    assert _signed_in(thief)
    auth.logout()
    assert not _signed_in(thief)
    assert not _signed_in(client)


def test_a_copied_cookie_stops_working_after_a_password_change_and_this_session_continues(
        app, auth, client):
    auth.signup()
    thief = _copy_of(app, client)
    assert _signed_in(thief)
    page = client.get("/account/security").get_data(as_text=True)
    assert "パスワードの変更" in page and "すべての端末からログアウト" in page
    resp = auth.post("/account/password", {"current": "correct horse 1",
                                           "password": "new battery 22", "confirm": "new battery 22"})
    assert resp.status_code == 303
    assert "パスワードを変更しました" in client.get("/account/security").get_data(as_text=True)
    assert not _signed_in(thief)
    assert _signed_in(client)
    auth.logout()
    assert auth.login().status_code == 400  # the old password no longer works
    assert auth.login(password="new battery 22").status_code == 303


def test_a_wrong_current_password_changes_nothing(app, auth, client):
    auth.signup()
    thief = _copy_of(app, client)
    resp = auth.post("/account/password", {"current": "wrong wrong 1",
                                           "password": "new battery 22", "confirm": "new battery 22"})
    assert resp.status_code == 400
    assert "現在のパスワードが違います" in resp.get_data(as_text=True)
    assert _signed_in(thief) and _signed_in(client)


def test_log_out_everywhere_ends_every_copy(app, auth, client):
    auth.signup()
    other_browser = app.test_client()
    Auth(other_browser).login()
    thief = _copy_of(app, client)
    assert _signed_in(thief) and _signed_in(other_browser)
    resp = auth.post("/account/logout-everywhere")
    assert resp.status_code == 303 and resp.headers["Location"] == "/login"
    assert "すべての端末からログアウトしました" in client.get("/login").get_data(as_text=True)
    assert not _signed_in(thief)
    assert not _signed_in(other_browser)
    assert not _signed_in(client)


def test_log_out_everywhere_is_a_csrf_protected_post(auth, client):
    auth.signup()
    assert client.get("/account/logout-everywhere").status_code == 405
    assert client.post("/account/logout-everywhere").status_code == 400
    assert _signed_in(client)


@pytest.fixture
def manual_account(auth):
    auth.signup()
    resp = auth.post("/accounts/new/0001", {"kind": "manual:personal", "name": "現金出納"})
    return int(resp.headers["Location"].split("/")[2])


def test_signed_in_pages_and_the_export_are_not_cached(auth, client, manual_account):
    for path in ("/", f"/accounts/{manual_account}/statements", f"/accounts/{manual_account}/export",
                 "/account/security"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert resp.headers["Cache-Control"] == "no-store", path


def test_the_login_page_of_an_anonymous_visitor_may_be_cached(client):
    # Nothing of an account on it: no-store is kept for signed-in responses.
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")


def test_the_session_cookie_holds_no_pkce_verifier_or_state(app, db, auth, client):
    from portal.models import PendingConsent

    auth.signup()
    resp = auth.post("/accounts/new/0001", {"kind": "api:personal"})
    account_id = int(resp.headers["Location"].split("/")[2])
    resp = auth.post(f"/accounts/{account_id}/connect")
    assert resp.status_code == 303
    state = parse_qs(urlsplit(resp.headers["Location"]).query)["state"][0]
    with db() as s:
        row = s.exec(select(PendingConsent)).one()
    assert row.state_hash != state and row.account_id == account_id
    cookie = json.dumps(_decoded(app, client))
    assert "oauth_pending" not in cookie
    assert state not in cookie and row.code_verifier not in cookie
