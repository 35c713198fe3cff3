"""The audit log page: who did what, newest first, 50 a page; the actor's address kept after
the actor is removed; one office's log only; members who do not manage members refused."""
import re

from sqlmodel import select

from portal.models import Membership, User
from portal.models.vocabulary import AuditAction
from portal.services import audit
from portal.services.audit import SYSTEM, Actor
from tests.support.auth import Auth
from tests.support.team import invite, join_as


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _office_id(db, email: str) -> int:
    with db() as s:
        return s.exec(select(Membership.office_id).join(User, User.id == Membership.user_id)
                      .where(User.email == email)).first()


def test_events_are_listed_with_their_actor_and_kept_after_the_actor_is_removed(app, auth, db):
    auth.signup()
    admin = join_as(app, auth, "admin@example.jp", "admin")
    invite(admin, "carol@example.jp", "viewer")
    with db() as s:
        admin_membership = s.exec(select(Membership).join(User, User.id == Membership.user_id)
                                  .where(User.email == "admin@example.jp")).one()
    assert auth.post(f"/office/members/{admin_membership.id}/remove").status_code == 303

    rows = _rows(auth.client.get("/office/audit").get_data(as_text=True))
    # Newest first: the removal, the admin's invitation, the admin joining, the owner inviting.
    assert [r.split(" ", 2)[2] for r in rows] == [
        "owner@example.jp メンバーから外しました admin@example.jp 管理者",
        "admin@example.jp メンバーを招待しました carol@example.jp 閲覧のみ",
        "admin@example.jp メンバーが参加しました admin@example.jp 管理者",
        "owner@example.jp メンバーを招待しました admin@example.jp 管理者",
    ]
    assert re.match(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2} ", rows[0])


def test_the_system_is_named_and_another_offices_events_never_shown(app, auth, db):
    auth.signup()
    other = Auth(app.test_client())
    other.signup(email="other@example.jp", office="別の商店")
    invite(other, "secret@example.jp", "viewer")
    with db() as s:
        audit.record(s, _office_id(db, "owner@example.jp"), SYSTEM, AuditAction.CONSENT_ENDED,
                     target="本店 普通 1234567")
        s.commit()
    mine = auth.client.get("/office/audit").get_data(as_text=True)
    assert _rows(mine)[0].endswith("システム 連携を解除しました 本店 普通 1234567")
    assert "secret@example.jp" not in mine and "other@example.jp" not in mine
    theirs = other.client.get("/office/audit").get_data(as_text=True)
    assert "secret@example.jp" in theirs and "本店 普通" not in theirs


def test_fifty_a_page_with_a_next_link(app, auth, db):
    auth.signup()
    office_id = _office_id(db, "owner@example.jp")
    with db() as s:
        for n in range(120):
            audit.record(s, office_id, Actor(None, "owner@example.jp"), AuditAction.ACCOUNT_LINKED,
                         target=f"口座{n:03d}")
        s.commit()
    seen, path = [], "/office/audit"
    while path:
        page = auth.client.get(path).get_data(as_text=True)
        rows = _rows(page)
        assert len(rows) <= 50
        seen += [re.search(r"口座(\d{3})", r).group(1) for r in rows]
        found = re.search(r'href="(/office/audit\?before=\d+)"[^>]*>次へ', page)
        path = found.group(1) if found else None
    assert seen == [f"{n:03d}" for n in reversed(range(120))]
    assert len(_rows(auth.client.get("/office/audit?before=nonsense").get_data(as_text=True))) == 50


def test_viewers_and_bookkeepers_are_refused(app, auth, db):
    auth.signup()
    for email, role in (("viewer@example.jp", "viewer"), ("books@example.jp", "bookkeeper")):
        member = join_as(app, auth, email, role)
        refused = member.client.get("/office/audit")
        assert refused.status_code == 403 and "owner@example.jp" not in refused.get_data(as_text=True)
    admin = join_as(app, auth, "admin@example.jp", "admin")
    assert admin.client.get("/office/audit").status_code == 200
