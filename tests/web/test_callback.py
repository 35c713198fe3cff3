"""The OAuth callback refuses what it should, with a message and nothing stored."""
import time

from sqlmodel import select

from portal.models import BankConnection, PendingConsent
from portal.services import connections


def _pending(db, state, created_at, account_id=1, user_id=1, office_id=1):
    with db() as s:
        connections.keep_pending(s, connections.PendingConsent(
            state, "v" * 64, "0001", account_id, None, created_at), user_id=user_id, office_id=office_id)


def test_an_expired_state_is_refused_and_spent(db, auth, client):
    auth.signup()
    auth.post("/accounts/new/0001", {"kind": "api:personal"})
    # Kept as if started an hour ago (sweeping at the next start would remove it).
    _pending(db, "old-state", time.time() - 3600)
    resp = client.get("/oauth/callback?state=old-state&code=c&iss=http://127.0.0.1:9/banks/0001")
    assert resp.status_code == 303
    assert "認証の有効時間が過ぎました" in client.get("/").get_data(as_text=True)
    with db() as s:
        assert s.exec(select(PendingConsent)).all() == []  # spent
        assert s.exec(select(BankConnection)).all() == []


def test_an_error_from_the_bank_is_told_and_nothing_stored(db, auth, client):
    auth.signup()
    auth.post("/accounts/new/0001", {"kind": "api:personal"})
    _pending(db, "s1", time.time())
    client.get("/oauth/callback?state=s1&error=server_error&iss=http://127.0.0.1:9/banks/0001")
    assert "銀行から認証エラーが返されました" in client.get("/").get_data(as_text=True)
    with db() as s:
        assert s.exec(select(BankConnection)).all() == []


def test_the_consent_start_is_a_csrf_protected_post_that_redirects_with_pkce(auth, client):
    auth.signup()
    resp = auth.post("/accounts/new/0001", {"kind": "api:personal"})
    account_id = int(resp.headers["Location"].split("/")[2])
    notes = client.get(f"/accounts/{account_id}/connect").get_data(as_text=True)
    assert "注意点" in notes and "64bit" in notes
    resp = auth.post(f"/accounts/{account_id}/connect")
    location = resp.headers["Location"]
    assert resp.status_code == 303 and location.startswith("http://127.0.0.1:9/banks/0001/auth/v1/authorization")
    assert "code_challenge_method=S256" in location and "code_challenge=" in location
    assert "redirect_uri=http%3A%2F%2Flocalhost%2Foauth%2Fcallback" in location


def test_a_state_started_by_another_user_is_refused_and_left_to_its_owner(app, db, auth, client):
    from tests.support.auth import Auth

    auth.signup()
    auth.post("/accounts/new/0001", {"kind": "api:personal"})
    _pending(db, "hers", time.time())
    other = app.test_client()
    Auth(other).signup(email="other@example.jp", office="別商店")
    other.get("/oauth/callback?state=hers&code=c&iss=http://127.0.0.1:9/banks/0001")
    assert "すでに使用済みです" in other.get("/").get_data(as_text=True)
    with db() as s:
        assert len(s.exec(select(PendingConsent)).all()) == 1
        assert s.exec(select(BankConnection)).all() == []
