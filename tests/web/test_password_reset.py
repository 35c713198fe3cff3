"""Password reset by e-mail (a real SMTP server in the test): the same answer for every
address, a one-use link of short life that ends every session and the account's login lock,
the password policy on the new password, and no second factor skipped."""
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from portal import create_app
from portal.dates import utcnow
from portal.models import PasswordReset
from portal.services import users
from tests.support.auth import Auth
from tests.support.portal_config import portal_config

NEW = "river lantern 58"


@pytest.fixture
def app(tmp_path, mailbox):
    app = create_app(portal_config(tmp_path, **mailbox.settings()), instance_path=str(tmp_path / "instance"))
    yield app
    app.extensions["db_engine"].dispose()


def _forgot(client, email):
    auth = Auth(client)
    return client.post("/password/forgot", data={"csrf_token": auth.token("/password/forgot"),
                                                 "email": email})


def _reset_link(mailbox, email="owner@example.jp") -> str:
    return re.search(r"http://localhost(/password/reset/\S+)", mailbox.to(email)[-1].get_content()).group(1)


def _set(client, link, password=NEW):
    auth = Auth(client)
    return client.post(link, data={"csrf_token": auth.token(link), "password": password,
                                   "confirm": password})


@pytest.fixture
def owner(db, auth):
    """owner@example.jp, signed in on `client` (with mail, sign-up itself waits for a link)."""
    with db() as s:
        users.sign_up(s, email="owner@example.jp", password="correct horse 1", office_name="山田商店")
    assert auth.login().status_code == 303


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_every_address_gets_the_same_answer_and_only_a_registered_one_a_mail(app, auth, client, mailbox):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)
    with app.app_context():
        from portal.db import get_session

        users.sign_up(get_session(), email="owner@example.jp", password="correct horse 1", office_name="x")
    known = _forgot(app.test_client(), "owner@example.jp")
    unknown = _forgot(app.test_client(), "nobody@example.jp")
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: re.sub(r'value="[^"]+"|"X-CSRFToken": "[^"]+"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(known) == strip(unknown)
    assert [m["To"] for m in mailbox.messages] == ["owner@example.jp"]
    assert "30" in mailbox.messages[0].get_content()


def test_the_link_sets_a_new_password_ends_every_session_and_works_once(
        db, app, owner, auth, client, mailbox):
    other_browser = app.test_client()
    Auth(other_browser).login()
    assert _signed_in(other_browser)
    _forgot(app.test_client(), "owner@example.jp")
    link = _reset_link(mailbox)
    token = link.rsplit("/", 1)[1]
    with db() as s:
        assert token not in s.exec(select(PasswordReset)).one().token_hash
    stranger = app.test_client()
    weak = _set(stranger, link, "password1234")
    assert weak.status_code == 400 and "推測されやすいパスワードです" in weak.get_data(as_text=True)
    as_email = _set(stranger, link, "owner@example.jp")
    assert as_email.status_code == 400
    done = _set(stranger, link)
    assert done.status_code == 303 and done.headers["Location"] == "/login"
    assert not _signed_in(other_browser) and not _signed_in(client)
    assert not _signed_in(stranger)  # a reset does not sign in
    assert Auth(app.test_client()).login().status_code == 400
    assert Auth(app.test_client()).login(password=NEW).status_code == 303
    again = _set(app.test_client(), link, "another river 99")
    assert again.status_code == 404 and "すでに使われています" in again.get_data(as_text=True)


def test_a_link_expires(db, app, owner, auth, client, mailbox):
    _forgot(app.test_client(), "owner@example.jp")
    link = _reset_link(mailbox)
    with db() as s:
        row = s.exec(select(PasswordReset)).one()
        assert timedelta(minutes=29) < row.expires_at - utcnow() <= timedelta(minutes=30)
        row.expires_at = utcnow() - timedelta(seconds=1)
        s.commit()
    assert app.test_client().get(link).status_code == 404
    assert _set(app.test_client(), link).status_code == 404
    assert Auth(app.test_client()).login().status_code == 303  # the old password still works


def test_a_locked_account_gets_in_after_a_reset(app, owner, auth, client, mailbox):
    auth.logout()
    attacker = app.test_client()
    for i in range(5):
        attacker.environ_base["REMOTE_ADDR"] = f"10.0.0.{i}"
        Auth(attacker).login(password="wrong wrong 1")
    assert auth.login().status_code == 429
    page = auth.login().get_data(as_text=True)
    assert 'href="/password/forgot"' in page  # the 429 page shows the way out
    _forgot(client, "owner@example.jp")
    assert _set(client, _reset_link(mailbox)).status_code == 303
    assert auth.login(password=NEW).status_code == 303


def test_a_reset_does_not_skip_the_second_factor(app, owner, auth, client, mailbox):
    page = client.get("/account/two-factor").get_data(as_text=True)
    import pyotp

    from tests.support.html_forms import csrf_from

    secret = re.search(r"<code>([A-Z2-7]{16,})</code>", page).group(1)
    client.post("/account/two-factor/confirm",
                data={"csrf_token": csrf_from(page), "code": pyotp.TOTP(secret).now()})
    auth.logout()
    _forgot(client, "owner@example.jp")
    _set(client, _reset_link(mailbox))
    resp = auth.login(password=NEW)
    assert resp.status_code == 303 and resp.headers["Location"] == "/login/code"
    assert not _signed_in(client)


def test_reset_requests_for_one_address_are_limited_so_no_mailbox_is_flooded(app, owner, auth, mailbox):
    auth.logout()
    client = app.test_client()
    statuses = [_forgot(client, "owner@example.jp").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert len(mailbox.to("owner@example.jp")) == 3


def test_without_mail_there_is_no_reset_and_the_login_page_says_nothing_of_it(tmp_path):
    app = create_app(portal_config(tmp_path), instance_path=str(tmp_path / "instance"))
    try:
        client = app.test_client()
        assert "/password/forgot" not in client.get("/login").get_data(as_text=True)
        page = client.get("/password/forgot")
        assert page.status_code == 404 and "管理者にお問い合わせください" in page.get_data(as_text=True)
    finally:
        app.extensions["db_engine"].dispose()
