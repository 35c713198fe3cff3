"""The consent's end is the bank's: the portal records the `consent_expires_at` the bank
states with the tokens (its configured `consent_days` is only the fallback), so the home
banner, the account row and /reauth/ warn about a consent the bank grants for a short time."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from portal.dates import to_jst, utcnow
from portal.models import BankConnection, RemoteAccount
from portal.services import connections as connections_svc
from tests.support.flows import PortalUser

DAY = 86400
BANK = "0001"
FLASH_OK = "との連携が許可されました"


@pytest.fixture
def five_day_consents(live_portal, sandbox):
    """The bank grants 5-day consents from now on; the running portal was configured with
    the bank's published lifetime when it started (90 days)."""
    path = f"/banks/{BANK}/_sandbox/profile"
    before = sandbox.admin("GET", path).json()["consent_ttl"]
    assert sandbox.admin("PATCH", path, json={"consent_ttl": 5 * DAY}).status_code == 200
    yield
    assert sandbox.admin("PATCH", path, json={"consent_ttl": before}).status_code == 200


def the_connection(db) -> BankConnection:
    with db() as s:
        return s.exec(select(BankConnection)).one()


def link(user: PortalUser, sandbox, db) -> int:
    """Register, consent, sync, choose the bank-side account with fewest statements, sync."""
    account_id = user.register(BANK)
    back = user.consent(account_id)
    assert back.status_code == 303 and back.headers["Location"] == "/"
    assert FLASH_OK in user.http.get("/").text
    user.sync(account_id)
    assert user.wait_state(account_id, "needs_selection") == "needs_selection"
    with db() as s:
        remotes = s.exec(select(RemoteAccount)).all()
    sizes = {r.id: sandbox.admin("GET", f"/banks/{BANK}/_sandbox/ground-truth/{r.remote_id}")
             .json()["count"] for r in remotes}
    chosen = min(sizes, key=sizes.get)
    assert user.post(f"/accounts/{account_id}/select",
                     {"remote_account": str(chosen)}).status_code == 303
    assert user.wait_state(account_id, "done", "failed") == "done"
    return account_id


def test_short_consent_at_the_bank_is_recorded_and_warned_about(live_portal, five_day_consents,
                                                                 sandbox, db):
    configured = live_portal.app.extensions["bank_registry"].get(BANK).consent_days
    assert configured == 90  # what the portal would assume without the bank's word
    user = PortalUser(live_portal).signup()
    started = utcnow()
    account_id = link(user, sandbox, db)
    granted = the_connection(db).consent_expires_at
    assert started + timedelta(days=5) - timedelta(seconds=2) <= granted \
        <= utcnow() + timedelta(days=5)
    day = to_jst(granted).strftime("%Y/%m/%d")
    default_day = to_jst(started + timedelta(days=configured)).strftime("%Y/%m/%d")

    home = user.http.get("/").text
    assert "banner-reauth" in home and "まもなく期限切れ" in home
    assert f"認証の有効期限: {day}" in home and default_day not in home
    row = user.http.get(f"/accounts/{account_id}/status", headers={"HX-Request": "true"}).text
    assert "consent-warning" in row and "再認証する" in row

    reauth = user.http.get("/reauth/").text
    assert "期限が近い認証はありません" not in reauth
    assert f"有効期限 {day}" in reauth and "あと4日" in reauth

    # A refresh reports the same end: a stored end later than the bank's comes down to it,
    # and nothing moves it later.
    with db() as s:
        conn = s.get(BankConnection, the_connection(db).id)
        conn.consent_expires_at = utcnow() + timedelta(days=configured)
        conn.access_expires_at = utcnow()
        s.commit()
    registry, cipher = live_portal.app.extensions["bank_registry"], live_portal.app.extensions["token_cipher"]
    with db() as s:
        conn = s.exec(select(BankConnection)).one()
        before_refresh = conn.refresh_token_enc
        connections_svc.access_token(s, cipher, registry.get(BANK), conn)
    after = the_connection(db)
    assert after.refresh_token_enc != before_refresh  # the bank was asked: tokens rotated
    assert after.consent_expires_at == granted


def test_without_the_banks_word_the_configured_lifetime_applies(app):
    """Banks need not send `consent_expires_at`; unreadable values are ignored, not fatal."""
    bank = app.extensions["bank_registry"].get(BANK)
    cipher = app.extensions["token_cipher"]
    for value in (None, "", "soon", "2025-13-45T00:00:00Z", 1_900_000_000, ["2030-01-01"],
                  "9999-12-31T23:59:59-01:00"):
        conn = BankConnection(id=1, office_id=1, bank_code=BANK)
        token = {"access_token": "a", "refresh_token": "r", "expires_in": 3600,
                 "scope": "private:account"}
        if value is not None:
            token["consent_expires_at"] = value
        now = utcnow()
        connections_svc.store_tokens(None, cipher, conn, token, bank, new_consent=True)
        left = conn.consent_expires_at - now
        assert timedelta(days=bank.consent_days) <= left < timedelta(days=bank.consent_days,
                                                                     seconds=5), value


def test_the_banks_end_wins_and_refresh_never_extends_it(app):
    bank = app.extensions["bank_registry"].get(BANK)
    cipher = app.extensions["token_cipher"]
    conn = BankConnection(id=1, office_id=1, bank_code=BANK)
    token = {"access_token": "a", "refresh_token": "r", "expires_in": 3600,
             "scope": "private:account", "consent_expires_at": "2030-01-02T03:04:05Z"}
    connections_svc.store_tokens(None, cipher, conn, token, bank, new_consent=True)
    end = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert conn.consent_expires_at == end
    later = dict(token, consent_expires_at="2031-01-01T00:00:00+09:00")
    connections_svc.store_tokens(None, cipher, conn, later, bank, new_consent=False)
    assert conn.consent_expires_at == end
    silent = {k: v for k, v in token.items() if k != "consent_expires_at"}
    connections_svc.store_tokens(None, cipher, conn, silent, bank, new_consent=False)
    assert conn.consent_expires_at == end
    sooner = dict(token, consent_expires_at="2029-12-31T12:00:00+09:00")
    connections_svc.store_tokens(None, cipher, conn, sooner, bank, new_consent=False)
    assert conn.consent_expires_at == datetime(2029, 12, 31, 3, 0, tzinfo=UTC)
    naive = dict(token, consent_expires_at="2031-05-06T07:08:09")
    connections_svc.store_tokens(None, cipher, conn, naive, bank, new_consent=True)
    assert conn.consent_expires_at == datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
