"""Invitations by e-mail (a real SMTP server in the test): the mail and its link, one use, an
expired or revoked link refused, a user of another office joining a second one, the invited
address and nobody else, and an admin who cannot invite an owner."""
from datetime import timedelta

import pytest
from sqlmodel import select

from portal import create_app
from portal.dates import utcnow
from portal.models import Invitation, User
from portal.models.vocabulary import Role
from portal.services import users
from tests.support.auth import Auth
from tests.support.portal_config import portal_config
from tests.support.team import MEMBER_PASSWORD, accept, invite, join_as, memberships


@pytest.fixture
def app(tmp_path, mailbox):
    app = create_app(portal_config(tmp_path, **mailbox.settings()), instance_path=str(tmp_path / "instance"))
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def owner(app, db) -> Auth:
    # With mail, sign-up waits for a confirmation: the owner is made directly, then logs in.
    with db() as s:
        users.sign_up(s, email="owner@example.jp", password="correct horse 1", office_name="山田商店")
    auth = Auth(app.test_client())
    assert auth.login().status_code == 303
    return auth


def test_the_invitation_mail_arrives_and_its_link_works_once(app, owner, mailbox, db):
    response, path = invite(owner, "carol@example.jp", "viewer", mailbox=mailbox)
    assert response.status_code == 303 and path
    listed = owner.client.get("/office/members").get_data(as_text=True)
    assert "carol@example.jp に招待メールを送信しました" in listed

    [mail] = mailbox.to("carol@example.jp")
    assert "山田商店" in mail["Subject"]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    for part in (text, html):
        assert "山田商店" in part and "owner@example.jp" in part and "閲覧のみ" in part
        assert path in part and "有効期限" in part
    assert f'href="http://localhost{path}"' in html

    visitor = Auth(app.test_client())
    page = visitor.client.get(path)
    assert page.status_code == 200 and "アカウントを作成して参加する" in page.get_data(as_text=True)
    with db() as s:
        assert s.exec(select(Invitation)).one().accepted_at is None  # opening the link changes nothing
    joined = visitor.client.post(f"{path}/account", data={
        "csrf_token": visitor.token(path), "password": MEMBER_PASSWORD, "confirm": MEMBER_PASSWORD})
    assert joined.status_code == 303 and joined.headers["Location"] == "/"
    assert "事業所「山田商店」に参加しました" in visitor.client.get("/").get_data(as_text=True)
    assert memberships(db, "carol@example.jp") == [("山田商店", Role.VIEWER)]  # no office of her own

    again = Auth(app.test_client())
    used = again.client.get(path)
    assert used.status_code == 410 and "すでに使われています" in used.get_data(as_text=True)
    assert "owner@example.jp" in used.get_data(as_text=True)  # whom to ask
    refused = again.client.post(f"{path}/account", data={
        "csrf_token": again.token("/login"), "password": MEMBER_PASSWORD, "confirm": MEMBER_PASSWORD})
    assert refused.status_code == 410
    assert Auth(app.test_client()).login("carol@example.jp", MEMBER_PASSWORD).status_code == 303


def test_the_new_accounts_password_follows_the_sign_up_policy(app, owner, mailbox, db):
    _, path = invite(owner, "carol@example.jp", "viewer", mailbox=mailbox)
    visitor = Auth(app.test_client())
    weak = visitor.client.post(f"{path}/account", data={
        "csrf_token": visitor.token(path), "password": "short", "confirm": "short"})
    assert weak.status_code == 400 and "12文字以上" in weak.get_data(as_text=True)
    with db() as s:
        assert not s.exec(select(User).where(User.email == "carol@example.jp")).first()


def test_expired_and_revoked_links_are_refused(app, owner, mailbox, db):
    _, expired = invite(owner, "late@example.jp", "viewer", mailbox=mailbox)
    with db() as s:
        invitation = s.exec(select(Invitation).where(Invitation.email == "late@example.jp")).one()
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        s.add(invitation)
        s.commit()
    late = Auth(app.test_client())
    page = late.client.get(expired)
    assert page.status_code == 410 and "有効期限が切れています" in page.get_data(as_text=True)
    assert late.client.post(f"{expired}/account", data={
        "csrf_token": late.token("/login"), "password": MEMBER_PASSWORD,
        "confirm": MEMBER_PASSWORD}).status_code == 410

    _, revoked = invite(owner, "dave@example.jp", "bookkeeper", mailbox=mailbox)
    with db() as s:
        pending = s.exec(select(Invitation).where(Invitation.email == "dave@example.jp")).one()
    assert owner.post(f"/office/invitations/{pending.id}/revoke").status_code == 303
    assert Auth(app.test_client()).client.get(revoked).status_code == 410
    assert "dave@example.jp" not in owner.client.get("/office/members").get_data(as_text=True).split(
        "招待中")[-1]

    # Inviting an address again: only the newest link works.
    _, first = invite(owner, "erin@example.jp", "viewer", mailbox=mailbox)
    _, second = invite(owner, "erin@example.jp", "admin", mailbox=mailbox)
    assert first != second
    assert Auth(app.test_client()).client.get(first).status_code == 410
    accept(app, second, "erin@example.jp")
    assert memberships(db, "late@example.jp") == [] and memberships(db, "dave@example.jp") == []
    assert memberships(db, "erin@example.jp") == [("山田商店", Role.ADMIN)]


def test_a_user_of_another_office_joins_a_second_one(app, owner, mailbox, db):
    with db() as s:
        users.sign_up(s, email="tax@example.jp", password=MEMBER_PASSWORD, office_name="税理士事務所")
    _, path = invite(owner, "tax@example.jp", "admin", mailbox=mailbox)
    accountant = Auth(app.test_client())
    page = accountant.client.get(path).get_data(as_text=True)
    assert "/login?next=" in page and "アカウントを作成" not in page
    assert accountant.login("tax@example.jp", MEMBER_PASSWORD).status_code == 303
    assert "参加する" in accountant.client.get(path).get_data(as_text=True)
    assert accountant.post(path, data={"csrf_token": accountant.token(path)}).status_code == 303
    assert memberships(db, "tax@example.jp") == [("税理士事務所", Role.OWNER), ("山田商店", Role.ADMIN)]
    # The session now works in the office joined: its members page lists the inviting owner.
    assert "owner@example.jp" in accountant.client.get("/office/members").get_data(as_text=True)


def test_an_invitation_is_for_the_invited_address_only(app, owner, mailbox, db):
    _, path = invite(owner, "frank@example.jp", "viewer", mailbox=mailbox)
    with db() as s:
        users.sign_up(s, email="mallory@example.jp", password=MEMBER_PASSWORD, office_name="他社")
    mallory = Auth(app.test_client())
    mallory.login("mallory@example.jp", MEMBER_PASSWORD)
    page = mallory.client.get(path).get_data(as_text=True)
    assert "frank@example.jp 宛て" in page and "ログアウト" in page and "参加する" not in page
    assert mallory.post(path, data={"csrf_token": mallory.token(path)}).status_code == 403
    assert memberships(db, "mallory@example.jp") == [("他社", Role.OWNER)]
    # The link still works for Frank.
    accept(app, path, "frank@example.jp")
    assert memberships(db, "frank@example.jp") == [("山田商店", Role.VIEWER)]


def test_an_admin_cannot_invite_an_owner(app, owner, mailbox, db):
    admin = join_as(app, owner, "admin@example.jp", "admin", mailbox=mailbox)
    page = admin.client.get("/office/members").get_data(as_text=True)
    assert 'value="owner"' not in page and 'value="admin"' in page
    refused, path = invite(admin, "boss@example.jp", "owner", mailbox=mailbox)
    assert refused.status_code == 400 and path is None
    assert not mailbox.to("boss@example.jp")
    with db() as s:
        assert not s.exec(select(Invitation).where(Invitation.email == "boss@example.jp")).first()
    allowed, path = invite(admin, "helper@example.jp", "admin", mailbox=mailbox)
    assert allowed.status_code == 303 and path
    [mail] = mailbox.to("helper@example.jp")
    assert "admin@example.jp" in mail.get_body(preferencelist=("plain",)).get_content()


def test_a_member_is_not_invited_twice(app, owner, mailbox, db):
    join_as(app, owner, "bob@example.jp", "viewer", mailbox=mailbox)
    again, _ = invite(owner, "BOB@example.jp", "admin", mailbox=mailbox)
    assert again.status_code == 400 and "すでにこの事業所のメンバー" in again.get_data(as_text=True)
    assert len(mailbox.to("bob@example.jp")) == 1
