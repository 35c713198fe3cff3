"""A user who is a member of no office (removed from their only one, or left it) signs in to a
page that says so and offers the ways on, not to an error: make an office of their own, or
join one by an invitation's link. Nothing of the office they were removed from comes back."""
import re

import pyotp
import pytest
from sqlmodel import select

from portal.models import Membership, User
from portal.models.vocabulary import Role
from portal.services import two_factor, users
from tests.support.auth import Auth
from tests.support.html_forms import csrf_from
from tests.support.team import MEMBER_PASSWORD, invite, join_as, memberships

HELD = "/login/no-office"


def _remove(owner: Auth, db, email: str) -> None:
    with db() as s:
        membership = s.exec(select(Membership).join(User, User.id == Membership.user_id)
                            .where(User.email == email)).one()
    assert owner.post(f"/office/members/{membership.id}/remove").status_code == 303


@pytest.fixture
def bob_removed(app, auth, db) -> Auth:
    """bob joined 山田商店 with an account made from the invitation (no office of his own),
    and was removed from it: a member of no office, signed out."""
    auth.signup()
    join_as(app, auth, "bob@example.jp", "bookkeeper")
    _remove(auth, db, "bob@example.jp")
    assert memberships(db, "bob@example.jp") == []
    return Auth(app.test_client())


def test_signing_in_with_no_office_offers_to_make_one(bob_removed, db):
    bob = bob_removed
    signed = bob.login("bob@example.jp", MEMBER_PASSWORD)
    assert signed.status_code == 303 and signed.headers["Location"] == HELD
    page = bob.client.get(HELD)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "所属している事業所がありません" in text and "bob@example.jp" in text
    assert "招待メールのリンク" in text and "山田商店" not in text
    assert bob.client.get("/").status_code == 302  # held, not signed in: no page works yet

    assert bob.client.post(HELD, data={"name": "ボブ商店"}).status_code == 400  # no CSRF token
    empty = bob.client.post(HELD, data={"csrf_token": csrf_from(text), "name": " "})
    assert empty.status_code == 400 and "事業所名" in empty.get_data(as_text=True)
    made = bob.client.post(HELD, data={"csrf_token": csrf_from(text), "name": "ボブ商店"})
    assert made.status_code == 303 and made.headers["Location"] == "/"
    home = bob.client.get("/").get_data(as_text=True)
    assert "事業所「ボブ商店」を作成しました" in home and "山田商店" not in home
    assert memberships(db, "bob@example.jp") == [("ボブ商店", Role.OWNER)]
    assert bob.client.get(HELD).headers["Location"] == "/login"  # the hold is spent


def test_the_hold_ends_when_the_users_sessions_end_or_after_ten_minutes(bob_removed, db):
    bob = bob_removed
    assert bob.login("bob@example.jp", MEMBER_PASSWORD).headers["Location"] == HELD
    with db() as s:
        users.end_sessions(s, users.find(s, "bob@example.jp").id)  # e.g. a password reset
    gone = bob.client.get(HELD)
    assert gone.status_code == 303 and gone.headers["Location"] == "/login"

    assert bob.login("bob@example.jp", MEMBER_PASSWORD).headers["Location"] == HELD
    with bob.client.session_transaction() as cookie:
        cookie["no_office"] = {**cookie["no_office"], "until": 0}
    assert bob.client.get(HELD).headers["Location"] == "/login"
    assert memberships(db, "bob@example.jp") == []  # nothing made by a stale hold


def test_a_user_of_no_office_signs_in_from_an_invitation_and_joins(app, auth, bob_removed, db):
    bob = bob_removed
    _response, path = invite(auth, "bob@example.jp", "viewer")
    shown = bob.client.get(path).get_data(as_text=True)
    assert "ログインして参加する" in shown
    signed = bob.client.post(f"/login?next={path}", data={
        "csrf_token": bob.token(), "email": "bob@example.jp", "password": MEMBER_PASSWORD})
    assert signed.status_code == 303 and signed.headers["Location"] == path  # back to the invitation
    page = bob.client.get(path).get_data(as_text=True)
    assert "参加する" in page and "ログインして参加する" not in page
    joined = bob.client.post(path, data={"csrf_token": csrf_from(page)})
    assert joined.status_code == 303 and joined.headers["Location"] == "/"
    assert "事業所「山田商店」に参加しました" in bob.client.get("/").get_data(as_text=True)
    assert memberships(db, "bob@example.jp") == [("山田商店", Role.VIEWER)]


def test_a_held_user_cannot_take_an_invitation_for_another_address(app, auth, bob_removed, db):
    bob = bob_removed
    _response, path = invite(auth, "carol@example.jp", "viewer")
    assert bob.login("bob@example.jp", MEMBER_PASSWORD).headers["Location"] == HELD
    refused = bob.client.post(path, data={"csrf_token": bob.token(HELD)})
    assert refused.status_code == 303 and refused.headers["Location"] == path
    assert memberships(db, "bob@example.jp") == [] and memberships(db, "carol@example.jp") == []


T0 = 1_800_000_000.0


def test_with_two_factor_the_code_comes_first_then_the_choice(app, auth, db, monkeypatch):
    monkeypatch.setattr(two_factor, "_now", lambda: T0)
    auth.signup()
    bob = join_as(app, auth, "bob@example.jp", "bookkeeper")
    page = bob.client.get("/account/two-factor").get_data(as_text=True)
    totp = pyotp.TOTP(re.search(r"<code>([A-Z2-7]{16,})</code>", page).group(1))
    assert bob.client.post("/account/two-factor/confirm", data={
        "csrf_token": csrf_from(page), "code": totp.at(T0)}).status_code == 200
    _remove(auth, db, "bob@example.jp")

    again = Auth(app.test_client())
    assert again.login("bob@example.jp", MEMBER_PASSWORD).headers["Location"] == "/login/code"
    assert again.client.get(HELD).headers["Location"] == "/login"  # the password alone holds nothing
    code = again.client.post("/login/code", data={"csrf_token": again.token("/login/code"),
                                                  "code": totp.at(T0 + 30)})
    assert code.status_code == 303 and code.headers["Location"] == HELD
    assert "所属している事業所がありません" in again.client.get(HELD).get_data(as_text=True)
