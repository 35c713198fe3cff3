"""The office switcher: only the user's own offices, the current office kept in the session
(never a form field), each switch in the audit log, an office added by its owner."""
import re

from sqlmodel import select

from portal.models import Account, AuditEvent, Membership, Office, Role
from portal.models.vocabulary import AuditAction
from portal.services import users
from tests.web.csv_helpers import register


def _office(db, name: str, *, member: str | None = "owner@example.jp", role=Role.BOOKKEEPER,
            require_two_factor=False) -> int:
    """An office; `member` is made its member directly (invitations are not needed here)."""
    with db() as s:
        office = Office(name=name, require_two_factor=require_two_factor)
        s.add(office)
        s.flush()
        if member:
            s.add(Membership(user_id=users.find(s, member).id, office_id=office.id, role=role))
        s.commit()
        return office.id


def _current_office(db, client) -> str:
    """The office the session works in, as the top bar names it."""
    page = client.get("/offices/").get_data(as_text=True)
    return page.split('<span class="office-name">', 1)[1].split("</span>", 1)[0]


def _token(resp) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', resp.get_data(as_text=True)).group(1)


def _events(db, office_id: int) -> list[AuditEvent]:
    with db() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.office_id == office_id)))


def test_switching_to_an_own_office_moves_the_session_and_is_logged(db, auth, client):
    auth.signup()
    second = _office(db, "顧問先 佐藤商店")
    resp = auth.post("/offices/switch", {"office_id": second, "next": "/accounts/"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/accounts/"
    assert _current_office(db, client) == "顧問先 佐藤商店"
    [event] = _events(db, second)
    with db() as s:
        me = users.find(s, "owner@example.jp")
    assert (event.action, event.actor_id, event.actor_email) == (
        AuditAction.OFFICE_SWITCHED, me.id, "owner@example.jp")
    assert "山田商店" in event.detail
    # The switcher lists the other office as a POST button, back to the first.
    page = client.get("/").get_data(as_text=True)
    assert 'action="/offices/switch"' in page and ">山田商店</button>" in page


def test_another_users_office_is_refused_and_nothing_changes(db, auth, client):
    auth.signup()
    foreign = _office(db, "他人の事業所", member=None)
    resp = auth.post("/offices/switch", {"office_id": foreign, "next": "/"})
    assert resp.status_code == 403
    assert _current_office(db, client) == "山田商店"
    assert _events(db, foreign) == []
    assert "他人の事業所" not in client.get("/").get_data(as_text=True)


def test_next_is_a_local_path_only(db, auth, client):
    auth.signup()
    second = _office(db, "二つ目")
    resp = auth.post("/offices/switch", {"office_id": second, "next": "//evil.example/x"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/"


def test_the_current_office_is_never_taken_from_a_form_field(db, auth, client):
    auth.signup()
    other = _office(db, "二つ目", role=Role.OWNER)
    resp = auth.post("/accounts/new/0001", {"kind": "manual:personal", "name": "普通預金",
                                            "office_id": other, "_office": other})
    assert resp.status_code == 303
    with db() as s:
        [account] = s.exec(select(Account)).all()
        home = users.office_of(s, users.find(s, "owner@example.jp").id)
    assert account.office_id == home != other
    assert _current_office(db, client) == "山田商店"


def test_an_office_requiring_two_factor_can_be_switched_away_from(db, auth, client):
    auth.signup()
    strict = _office(db, "厳しい事業所", require_two_factor=True)
    with db() as s:
        home = users.office_of(s, users.find(s, "owner@example.jp").id)
    assert auth.post("/offices/switch", {"office_id": strict, "next": "/"}).status_code == 303
    # Inside it every page sends the user to the two-factor setup ...
    resp = client.get("/accounts/")
    assert resp.status_code == 303 and resp.headers["Location"] == "/account/two-factor"
    # ... but the overview and the switch stay open, and lead back out.
    overview = client.get("/offices/")
    assert overview.status_code == 200
    resp = client.post("/offices/switch", data={"office_id": home, "next": "/accounts/",
                                                "csrf_token": _token(overview)})
    assert resp.status_code == 303 and resp.headers["Location"] == "/accounts/"
    assert client.get("/accounts/").status_code == 200


def test_a_new_office_is_created_owned_and_switched_to(db, auth, client):
    auth.signup()
    page = client.get("/offices/new")
    assert page.status_code == 200
    assert auth.post("/offices/new", {"name": ""}).status_code == 400
    resp = auth.post("/offices/new", {"name": " 新しい顧問先 "})
    assert resp.status_code == 303
    with db() as s:
        office = s.exec(select(Office).where(Office.name == "新しい顧問先")).one()
        me = users.find(s, "owner@example.jp")
        role = s.exec(select(Membership.role).where(Membership.office_id == office.id,
                                                    Membership.user_id == me.id)).one()
    assert role == Role.OWNER
    assert _current_office(db, client) == "新しい顧問先"
    assert [e.action for e in _events(db, office.id)] == [AuditAction.OFFICE_SWITCHED]
    # Its owner may register accounts there: they land in the new office.
    register(auth)
    with db() as s:
        assert s.exec(select(Account.office_id)).one() == office.id
