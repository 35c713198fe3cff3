"""The members page without mail: the invitation link shown once to the inviter, changing
roles and removing members with who may do what, an office that always keeps an owner, and a
removed member's session that ends at once."""
from sqlmodel import select

from portal.models import AuditEvent, Membership, User
from portal.models.vocabulary import AuditAction, Role
from tests.support.auth import Auth
from tests.support.team import accept, invite, join_as


def _membership(db, email: str) -> Membership | None:
    with db() as s:
        return s.exec(select(Membership).join(User, User.id == Membership.user_id)
                      .where(User.email == email)).first()


def test_without_mail_the_invitation_link_is_shown_to_the_inviter_once(app, auth, db):
    auth.signup()
    response, path = invite(auth, "Carol@Example.jp ", "viewer")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and path is not None
    assert "メールの送信が設定されていない" in page and "今回だけ" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert path.rsplit("/", 1)[1] not in auth.client.get("/office/members").get_data(as_text=True)
    listed = auth.client.get("/office/members").get_data(as_text=True)
    assert "carol@example.jp" in listed  # pending, under its normalised address
    with db() as s:
        [sent] = s.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.MEMBER_INVITED)).all()
        assert (sent.actor_email, sent.target, sent.detail) == (
            "owner@example.jp", "carol@example.jp", "viewer")
    carol = accept(app, path, "carol@example.jp")
    assert carol.client.get("/").status_code == 200


def test_the_owner_changes_a_role_and_the_log_says_from_what_to_what(app, auth, db):
    auth.signup()
    join_as(app, auth, "bob@example.jp", "bookkeeper")
    bob = _membership(db, "bob@example.jp")
    form = auth.client.get(f"/office/members/{bob.id}/role").get_data(as_text=True)
    assert 'value="owner"' in form and "権限を変更" in form
    done = auth.post(f"/office/members/{bob.id}/role", data={"role": "admin"})
    assert done.status_code == 303
    assert _membership(db, "bob@example.jp").role is Role.ADMIN
    with db() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.ROLE_CHANGED)).one()
        assert (event.actor_email, event.target, event.detail) == (
            "owner@example.jp", "bob@example.jp", "bookkeeper → admin")
    assert "記帳担当 → 管理者" in auth.client.get("/office/audit").get_data(as_text=True)


def test_the_last_owner_can_be_neither_demoted_nor_removed(app, auth, db):
    auth.signup()
    me = _membership(db, "owner@example.jp")
    warned = auth.client.get(f"/office/members/{me.id}/role").get_data(as_text=True)
    assert "少なくとも1人のオーナー" in warned
    assert auth.post(f"/office/members/{me.id}/role", data={"role": "admin"}).status_code == 409
    assert auth.post(f"/office/members/{me.id}/remove").status_code == 409
    assert _membership(db, "owner@example.jp").role is Role.OWNER

    # With a second owner, the first may step down.
    join_as(app, auth, "second@example.jp", "owner")
    assert auth.post(f"/office/members/{me.id}/role", data={"role": "admin"}).status_code == 303
    assert _membership(db, "owner@example.jp").role is Role.ADMIN


def test_an_admin_manages_everyone_but_owners(app, auth, db):
    auth.signup()
    admin = join_as(app, auth, "admin@example.jp", "admin")
    join_as(app, auth, "bob@example.jp", "viewer")
    owner, bob = _membership(db, "owner@example.jp"), _membership(db, "bob@example.jp")

    page = admin.client.get("/office/members").get_data(as_text=True)
    assert 'value="owner"' not in page  # neither offered in the invite form…
    assert f"/office/members/{owner.id}/remove" not in page  # …nor an owner's actions
    assert admin.post(f"/office/members/{bob.id}/role", data={"role": "owner"}).status_code == 400
    assert admin.post(f"/office/members/{owner.id}/role", data={"role": "viewer"}).status_code == 409
    assert admin.post(f"/office/members/{owner.id}/remove").status_code == 409
    assert _membership(db, "owner@example.jp").role is Role.OWNER
    assert _membership(db, "bob@example.jp").role is Role.VIEWER

    assert admin.post(f"/office/members/{bob.id}/role", data={"role": "bookkeeper"}).status_code == 303
    assert _membership(db, "bob@example.jp").role is Role.BOOKKEEPER


def test_a_removed_members_session_stops_working_on_the_next_request(app, auth, db):
    auth.signup()
    bob = join_as(app, auth, "bob@example.jp", "bookkeeper")
    assert bob.client.get("/").status_code == 200
    membership = _membership(db, "bob@example.jp")

    confirm = auth.client.get(f"/office/members/{membership.id}/remove").get_data(as_text=True)
    assert "bob@example.jp" in confirm and "すぐにアクセスできなくなります" in confirm
    assert "ログアウトされます" in confirm
    assert _membership(db, "bob@example.jp") is not None  # asking removed nothing
    assert auth.post(f"/office/members/{membership.id}/remove").status_code == 303

    gone = bob.client.get("/")
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]
    assert _membership(db, "bob@example.jp") is None
    with db() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.MEMBER_REMOVED)).one()
        assert (event.actor_email, event.target) == ("owner@example.jp", "bob@example.jp")
    assert "をメンバーから外しました" in auth.client.get("/office/members").get_data(as_text=True)
    assert "bob@example.jp" not in auth.client.get("/office/members").get_data(as_text=True)


def test_a_member_who_leaves_is_signed_out(app, auth, db):
    auth.signup()
    admin = join_as(app, auth, "admin@example.jp", "admin")
    own = _membership(db, "admin@example.jp")
    assert "あなた自身" in admin.client.get(f"/office/members/{own.id}/remove").get_data(as_text=True)
    left = admin.post(f"/office/members/{own.id}/remove")
    assert left.status_code == 303 and left.headers["Location"] == "/login"
    assert admin.client.get("/").status_code == 302


def test_viewers_and_bookkeepers_cannot_manage_members(app, auth, db):
    auth.signup()
    for email, role in (("viewer@example.jp", "viewer"), ("books@example.jp", "bookkeeper")):
        member = join_as(app, auth, email, role)
        assert member.client.get("/office/members").status_code == 403
        refused = member.post("/office/members/invite", data={"email": "x@example.jp", "role": "viewer"})
        assert refused.status_code == 403
    with db() as s:
        assert not s.exec(select(User).where(User.email == "x@example.jp")).first()


def test_another_offices_members_are_not_found(app, auth, db):
    auth.signup()
    join_as(app, auth, "bob@example.jp", "viewer")
    bob = _membership(db, "bob@example.jp")
    other = Auth(app.test_client())
    other.signup(email="other@example.jp", office="別の商店")
    assert other.client.get(f"/office/members/{bob.id}/role").status_code == 404
    assert other.post(f"/office/members/{bob.id}/remove").status_code == 404
    assert other.post(f"/office/members/{bob.id}/role", data={"role": "admin"}).status_code == 404
    assert _membership(db, "bob@example.jp").role is Role.VIEWER
    assert "bob@example.jp" not in other.client.get("/office/members").get_data(as_text=True)
