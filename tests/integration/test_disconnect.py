"""連携解除 asks first, names every account of the consent, and leaves no stale state behind."""
from tests.integration.lifetime_helpers import connections, last_run, row_of, two_accounts_on_one_login
from tests.support.flows import PortalUser


def test_disconnect_asks_first_and_every_account_of_the_login_needs_a_new_consent(
        live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    a_id, b_id = two_accounts_on_one_login(user, sandbox, db)
    assert last_run(db, a_id).notice == "unlinked_accounts"
    home = user.http.get("/").text
    assert "同期完了" in row_of(home, a_id) and f"/accounts/{a_id}/troubleshooting" in row_of(home, a_id)

    # The settings page offers 連携解除 as a link to a page that asks; asking changes nothing.
    settings = user.http.get(f"/accounts/{a_id}/settings").text
    assert f'href="/accounts/{a_id}/disconnect"' in settings
    confirm = user.http.get(f"/accounts/{a_id}/disconnect")
    assert confirm.status_code == 200
    assert "B口座" in confirm.text and "2件の口座の連携を解除する" in confirm.text
    assert "キャンセル" in confirm.text
    assert connections(db)[0].state == "active"

    assert user.post(f"/accounts/{a_id}/disconnect").status_code == 303
    assert connections(db)[0].state == "revoked"
    home = user.http.get("/").text
    for acct in (a_id, b_id):
        row = row_of(home, acct)
        assert "同期完了" not in row and "同期中" not in row
        assert f"/accounts/{acct}/troubleshooting" not in row  # no [!]
        assert "連携を解除しました" in row and f"/accounts/{acct}/connect" in row
        assert f"/accounts/{acct}/sync" not in row
    listing = user.http.get("/accounts/").text
    assert "同期完了" not in listing and listing.count("再認証が必要") == 2
    trouble = user.http.get(f"/accounts/{a_id}/troubleshooting").text
    assert "と同期中" not in trouble and "再認証する" in trouble
    # Nothing left to disconnect: the page says so instead of asking again.
    assert user.http.get(f"/accounts/{a_id}/disconnect").status_code == 303
