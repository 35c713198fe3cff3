"""Two-factor authentication: setting it up (QR code, a confirming code, ten recovery codes
shown once), the code asked after the password, a replayed code refused, a recovery code
used once, turning it off with password and code, an office owner requiring it."""
import re
import time
from urllib.parse import unquote

import pyotp
import pytest
from sqlmodel import select

from portal.models import Membership, RecoveryCode, Role, User
from portal.services import two_factor, users
from tests.support.auth import Auth
from tests.support.html_forms import csrf_from

PASSWORD = "correct horse 1"
T0 = 1_800_000_000.0  # a fixed clock, so codes never straddle a 30-second step by chance


@pytest.fixture
def clock(monkeypatch):
    now = {"t": T0}
    monkeypatch.setattr(two_factor, "_now", lambda: now["t"])
    return now


def _secret(page: str) -> str:
    return re.search(r"<code>([A-Z2-7]{16,})</code>", page).group(1)


def _set_up(auth, client, clock) -> tuple[pyotp.TOTP, list[str]]:
    page = client.get("/account/two-factor").get_data(as_text=True)
    totp = pyotp.TOTP(_secret(page))
    resp = client.post("/account/two-factor/confirm",
                       data={"csrf_token": csrf_from(page), "code": totp.at(clock["t"])})
    assert resp.status_code == 200
    codes = re.findall(r"<code>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</code>", resp.get_data(as_text=True))
    return totp, codes


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def _password_step(auth, email="owner@example.jp"):
    resp = auth.login(email=email)
    assert resp.status_code == 303 and resp.headers["Location"] == "/login/code"
    return resp


def _code_step(auth, code):
    return auth.client.post("/login/code", data={"csrf_token": auth.token("/login/code"), "code": code})


def test_setup_shows_a_qr_code_the_csp_allows_and_ten_recovery_codes_kept_hashed(
        db, auth, client, clock):
    auth.signup()
    page = client.get("/account/two-factor").get_data(as_text=True)
    qr = re.search(r'<img src="(data:image/svg\+xml[^"]+)"', page).group(1)
    assert "<svg" in unquote(qr)
    assert " style=" not in page and "<script>" not in page
    secret = _secret(page)
    assert client.get("/account/two-factor").get_data(as_text=True).count(secret) == 1  # same on reload
    wrong = auth.post("/account/two-factor/confirm", {"code": "000000"})
    assert wrong.status_code == 400 and "確認コードが違います" in wrong.get_data(as_text=True)
    totp, codes = _set_up(auth, client, clock)
    assert len(set(codes)) == 10
    with db() as s:
        user = s.exec(select(User)).one()
        assert user.totp_enabled_at is not None and secret.encode() not in user.totp_secret_enc
        hashes = [r.code_hash for r in s.exec(select(RecoveryCode))]
    assert len(hashes) == 10 and not any(c.replace("-", "") in h for c in codes for h in hashes)
    # Shown once: the page now tells how many are left, not which.
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert codes[0] not in page and "10" in page


def test_login_asks_the_code_after_the_password_and_refuses_a_replay(auth, client, clock):
    auth.signup()
    totp, _codes = _set_up(auth, client, clock)
    auth.logout()
    _password_step(auth)
    assert not _signed_in(client)  # half signed in: nothing else is reachable
    assert client.get("/accounts/").status_code == 302
    clock["t"] += 30
    code = totp.at(clock["t"])
    assert _code_step(auth, "123456" if code != "123456" else "654321").status_code == 400
    ok = _code_step(auth, code)
    assert ok.status_code == 303 and ok.headers["Location"] == "/"
    assert _signed_in(client)
    auth.logout()
    _password_step(auth)
    replay = _code_step(auth, code)  # the same code, still inside its window
    assert replay.status_code == 400 and "すでに使われています" in replay.get_data(as_text=True)
    assert not _signed_in(client)
    clock["t"] += 30
    assert _code_step(auth, totp.at(clock["t"])).status_code == 303


def test_a_recovery_code_works_once(auth, client, clock):
    auth.signup()
    _totp, codes = _set_up(auth, client, clock)
    auth.logout()
    _password_step(auth)
    assert _code_step(auth, codes[0].lower().replace("-", " ")).status_code == 303
    auth.logout()
    _password_step(auth)
    assert _code_step(auth, codes[0]).status_code == 400
    assert _code_step(auth, codes[1]).status_code == 303


def test_the_code_step_is_limited(auth, client, clock):
    auth.signup()
    _set_up(auth, client, clock)
    auth.logout()
    _password_step(auth)
    for _ in range(5):
        assert _code_step(auth, "000000").status_code == 400
    assert _code_step(auth, "000001").status_code == 429


def test_the_code_step_ends_when_the_password_changes(app, db, auth, client, clock):
    auth.signup()
    totp, _codes = _set_up(auth, client, clock)
    auth.logout()
    _password_step(auth)
    with db() as s:
        users.end_sessions(s, s.exec(select(User)).one().id)
    clock["t"] += 30
    assert _code_step(auth, totp.at(clock["t"])).status_code == 400
    assert not _signed_in(client)


def test_turning_it_off_takes_the_password_and_a_code(db, auth, client, clock):
    auth.signup()
    totp, codes = _set_up(auth, client, clock)
    clock["t"] += 30
    bad = auth.post("/account/two-factor/disable", {"password": "wrong wrong 1", "code": totp.at(clock["t"])})
    assert bad.status_code == 400
    bad = auth.post("/account/two-factor/disable", {"password": PASSWORD, "code": "000000"})
    assert bad.status_code == 400
    ok = auth.post("/account/two-factor/disable", {"password": PASSWORD, "code": codes[3]})
    assert ok.status_code == 303
    with db() as s:
        user = s.exec(select(User)).one()
        assert user.totp_enabled_at is None and user.totp_secret_enc is None
        assert not s.exec(select(RecoveryCode)).all()
    auth.logout()
    assert auth.login().status_code == 303 and _signed_in(client)


def _add_member(app, db, office_owner_email="owner@example.jp", email="staff@example.jp") -> None:
    with db() as s:
        owner = users.find(s, office_owner_email)
        office_id = users.office_of(s, owner.id)
        member = users.sign_up(s, email=email, password=PASSWORD, office_name="別")
        for row in s.exec(select(Membership).where(Membership.user_id == member.id)):
            row.office_id, row.role = office_id, Role.BOOKKEEPER
        s.commit()


def test_an_owner_can_require_it_for_every_member(app, db, auth, client, clock):
    auth.signup()
    _add_member(app, db)
    # Turning it on needs two-factor of the owner's own first.
    auth.post("/account/two-factor/office", {"required": "y"})
    with db() as s:
        assert not users.member(s, users.find(s, "owner@example.jp").id).two_factor_required
    _set_up(auth, client, clock)
    assert "メンバー全員に2段階認証を必須にする" in client.get("/account/two-factor").get_data(as_text=True)
    assert auth.post("/account/two-factor/office", {"required": "y"}).status_code == 303
    auth.logout()

    staff_client = app.test_client()
    staff = Auth(staff_client)
    assert staff.login(email="staff@example.jp").status_code == 303
    for path in ("/", "/accounts/", "/account/security"):
        resp = staff_client.get(path)
        assert resp.status_code == 303 and resp.headers["Location"] == "/account/two-factor", path
    htmx = staff_client.get("/", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/account/two-factor"
    _totp, codes = _set_up(staff, staff_client, clock)
    assert len(codes) == 10
    assert staff_client.get("/").status_code == 200


def test_a_member_cannot_change_the_office_requirement(app, db, auth, client):
    auth.signup()
    _add_member(app, db)
    auth.logout()
    staff_client = app.test_client()
    staff = Auth(staff_client)
    staff.login(email="staff@example.jp")
    assert staff.post("/account/two-factor/office", {"required": "y"}).status_code == 403


def test_real_clock_codes_work(auth, client):
    # The service's own clock, unpatched: a code of now is accepted.
    auth.signup()
    page = client.get("/account/two-factor").get_data(as_text=True)
    totp = pyotp.TOTP(_secret(page))
    assert auth.post("/account/two-factor/confirm", {"code": totp.at(time.time())}).status_code == 200
