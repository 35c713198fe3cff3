"""Sign-up when the portal sends mail (a real SMTP server in the test): a registered address
gets the very answer a new one gets, and its owner an e-mail; a new address is confirmed by
a one-use link before any user exists."""
import re

import pytest
from sqlmodel import select

from portal import create_app
from portal.models import PendingSignup, User
from portal.services import users
from tests.support.auth import Auth
from tests.support.portal_config import portal_config


@pytest.fixture
def app(tmp_path, mailbox):
    app = create_app(portal_config(tmp_path, **mailbox.settings()), instance_path=str(tmp_path / "instance"))
    yield app
    app.extensions["db_engine"].dispose()


def _without_tokens(page: str, email: str) -> str:
    page = re.sub(r'value="[^"]+"|"X-CSRFToken": "[^"]+"', "", page)
    return page.replace(email, "EMAIL")


def _link(message) -> str:
    return re.search(r"http://localhost(/\S+)", message.get_content()).group(1)


def test_a_registered_address_gets_the_same_answer_and_its_owner_an_email(db, app, mailbox):
    owner = Auth(app.test_client())
    with db() as s:
        users.sign_up(s, email="owner@example.jp", password="correct horse 1", office_name="山田商店")
    new = Auth(app.test_client()).signup(email="new@example.jp", password="battery staple 77")
    taken = owner.signup(email="Owner@example.jp", password="battery staple 77", office="偽物商店")
    assert new.status_code == taken.status_code == 200
    assert _without_tokens(new.get_data(as_text=True), "new@example.jp") == \
        _without_tokens(taken.get_data(as_text=True), "owner@example.jp")
    assert "確認メールを送信しました" in new.get_data(as_text=True)

    [notice] = mailbox.to("owner@example.jp")
    assert "すでに登録済み" in notice.get_content() and "/password/forgot" in notice.get_content()
    [confirm] = mailbox.to("new@example.jp")
    assert "/signup/confirm/" in confirm.get_content()
    with db() as s:
        assert [u.email for u in s.exec(select(User))] == ["owner@example.jp"]  # nothing created yet
        assert s.exec(select(PendingSignup)).one().email == "new@example.jp"
    # The owner's password is the owner's still.
    assert Auth(app.test_client()).login(password="correct horse 1").status_code == 303


def test_the_confirmation_link_creates_the_account_once(db, app, mailbox):
    visitor = Auth(app.test_client())
    visitor.signup(email="new@example.jp", password="battery staple 77")
    link = _link(mailbox.to("new@example.jp")[0])
    page = visitor.client.get(link)
    assert page.status_code == 200 and "登録を完了する" in page.get_data(as_text=True)
    with db() as s:
        assert not s.exec(select(User)).all()  # opening the link (a mail scanner) creates nothing
    done = visitor.client.post(link, data={"csrf_token": visitor.token(link)})
    assert done.status_code == 303 and done.headers["Location"] == "/"
    assert visitor.client.get("/").status_code == 200
    again = app.test_client()
    assert again.get(link).status_code == 404
    with db() as s:
        assert [u.email for u in s.exec(select(User))] == ["new@example.jp"]
    login = Auth(app.test_client()).login(email="new@example.jp", password="battery staple 77")
    assert login.status_code == 303


def test_sign_up_is_limited_per_address(tmp_path, mailbox):
    app = create_app(portal_config(tmp_path, SIGNUP_ADDRESS_LIMIT="2 per hour", **mailbox.settings()),
                     instance_path=str(tmp_path / "instance"))
    try:
        auth = Auth(app.test_client())
        assert auth.signup(email="a@example.jp").status_code == 200
        assert auth.signup(email="b@example.jp").status_code == 200
        third = auth.signup(email="c@example.jp")
        assert third.status_code == 429 and "Retry-After" in third.headers
        assert len(mailbox.messages) == 2
    finally:
        app.extensions["db_engine"].dispose()
