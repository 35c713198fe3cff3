"""Sign-up, log-in, log-out, throttling, session renewal, language."""
from sqlmodel import select

from portal.models import Membership, Office, User


def test_signup_creates_user_office_and_membership(db, auth):
    resp = auth.signup()
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    with db() as s:
        user = s.exec(select(User)).one()
        office = s.exec(select(Office)).one()
        assert office.name == "山田商店"
        assert s.exec(select(Membership)).one().office_id == office.id
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
        assert "correct horse" not in user.password_hash


def test_signup_refuses_duplicate_email_and_bad_input(auth, client):
    auth.signup()
    auth.logout()
    again = auth.signup(email="OWNER@example.jp")
    assert again.status_code == 400
    assert "このメールアドレスは登録済みです。" in again.get_data(as_text=True)
    short = auth.signup(email="x@example.jp", password="short")
    assert short.status_code == 400


def test_login_logout_and_wrong_password(auth, client):
    auth.signup()
    auth.logout()
    assert client.get("/").status_code == 302
    bad = auth.login(password="wrong password")
    assert bad.status_code == 400
    assert "メールアドレスまたはパスワードが違います。" in bad.get_data(as_text=True)
    ok = auth.login()
    assert ok.status_code == 303
    assert client.get("/").status_code == 200
    auth.logout()
    assert client.get("/").status_code == 302


def test_login_is_throttled_after_repeated_failures(auth):
    auth.signup()
    auth.logout()
    for _ in range(5):
        assert auth.login(password="nope nope").status_code == 400
    locked = auth.login()  # even the right password waits now
    assert locked.status_code == 429


def test_session_cookie_flags_and_renewal(app, auth, client):
    resp = auth.signup()
    cookie = resp.headers.get("Set-Cookie", "")
    assert "tsunagu_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    with client.session_transaction() as sess:
        sess["planted"] = "by someone else"
    auth.logout()
    auth.login()
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_open_redirect_after_login_is_refused(auth, client):
    auth.signup()
    auth.logout()
    resp = client.post("/login?next=https://evil.example/", data={
        "csrf_token": auth.token(), "email": "owner@example.jp", "password": "correct horse 1"})
    assert resp.headers["Location"] == "/"


def test_japanese_by_default_and_english_selectable(auth, client):
    page = client.get("/login").get_data(as_text=True)
    assert "ログイン" in page and 'lang="ja"' in page
    client.post("/lang", data={"csrf_token": auth.token(), "lang": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Log in" in page


def test_security_headers(client):
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "HX-Request" in resp.headers["Vary"]
