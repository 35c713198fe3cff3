"""The password policy (12 characters, not easy to guess, not the e-mail) on sign-up and
password change, and sign-up switched off for an invitation-only office."""
import pytest
from sqlmodel import select

from portal import create_app
from portal.models import User
from portal.services import passwords
from tests.support.auth import Auth
from tests.support.portal_config import portal_config

TOO_SHORT = "パスワードは12文字以上、200文字以内にしてください。"
EASY = "推測されやすいパスワードです。"
IS_EMAIL = "メールアドレスをパスワードにすることはできません。"


@pytest.mark.parametrize(("password", "message"), [
    ("short one", TOO_SHORT),
    ("password1234", EASY),
    ("qwertyuiop12", EASY),
    ("aaaaaaaaaaaa", EASY),
    ("yamada.shoten.keiri@example.jp", IS_EMAIL),
    ("yamada.shoten.keiri", IS_EMAIL),
    ("YAMADA.SHOTEN.KEIRI", IS_EMAIL),
])
def test_sign_up_refuses_weak_passwords(db, auth, password, message):
    resp = auth.signup(email="yamada.shoten.keiri@example.jp", password=password)
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    with db() as s:
        assert not s.exec(select(User)).all()


def test_the_office_name_counts_as_guessable():
    assert passwords.weakness("yamadashouten2024") is None
    assert passwords.weakness("yamadashouten2024", other_inputs=("yamadashouten",)) is not None
    assert passwords.weakness("x" * 201) is passwords.Weakness.TOO_LONG


def test_a_good_password_is_taken(auth):
    assert auth.signup(password="battery staple 77").status_code == 303


def test_password_change_applies_the_policy(auth, client):
    auth.signup()
    for weak, message in (("password1234", EASY), ("owner@example.jp", IS_EMAIL), ("owner", TOO_SHORT)):
        resp = auth.post("/account/password", {"current": "correct horse 1", "password": weak,
                                               "confirm": weak})
        assert resp.status_code == 400 and message in resp.get_data(as_text=True), weak
    assert auth.post("/account/password", {"current": "correct horse 1", "password": "lantern river 58",
                                           "confirm": "lantern river 58"}).status_code == 303


@pytest.fixture
def closed_app(tmp_path):
    app = create_app(portal_config(tmp_path, SIGNUP_ENABLED=False), instance_path=str(tmp_path / "instance"))
    yield app
    app.extensions["db_engine"].dispose()


def test_sign_up_can_be_switched_off(closed_app):
    client = closed_app.test_client()
    login = client.get("/login").get_data(as_text=True)
    assert 'href="/signup"' not in login
    page = client.get("/signup")
    assert page.status_code == 404 and "招待制" in page.get_data(as_text=True)
    resp = client.post("/signup", data={"office_name": "x", "email": "a@example.jp",
                                        "password": "battery staple 77", "confirm": "battery staple 77",
                                        "csrf_token": Auth(client).token()})
    assert resp.status_code == 404
    with closed_app.app_context():
        from portal.db import get_session

        assert not get_session().exec(select(User)).all()


def test_sign_up_is_open_by_default(client):
    assert 'href="/signup"' in client.get("/login").get_data(as_text=True)
