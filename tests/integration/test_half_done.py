"""Nothing silently half-done: an account with a consent but no bank-side account says so."""
from tests.integration.lifetime_helpers import account, link_first, remotes, row_of, two_accounts_on_one_login
from tests.support.flows import PortalUser


def test_saving_without_a_bank_side_account_says_what_is_missing(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    a_id, a_remote = link_first(user, sandbox, db)
    others = [r for r in remotes(db) if r.id != a_remote.id][:2]
    assert user.post(f"/accounts/{a_id}/troubleshooting",
                     {"remote": [str(r.id) for r in others]}).status_code == 303
    b_id = user.register("0001", name="B口座")
    # [確定] with two linked accounts leads to the choice; the user leaves it and saves.
    resp = user.post(f"/accounts/{b_id}/settings/login", {"source_account": str(a_id)})
    assert resp.headers["Location"] == f"/accounts/{b_id}/select?then=settings"
    resp = user.post(f"/accounts/{b_id}/settings", {"name": "B口座", "period_start": ""})
    assert resp.status_code == 303
    home = user.http.get("/").text
    assert "同期する口座がまだ選ばれていません" in home
    assert "口座を保存しました。同期を開始します" not in home
    row = row_of(home, b_id)
    assert "口座を選択してください" in row and f"/accounts/{b_id}/select" in row
    assert f"/accounts/{b_id}/sync" not in row  # no [今すぐ同期] that would do nothing
    assert account(db, b_id).sync_state == "needs_selection"
    assert account(db, b_id).remote_account_id is None


def test_the_unlinked_accounts_notice_appears_once_per_consent(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    a_id, b_id = two_accounts_on_one_login(user, sandbox, db)
    home = user.http.get("/").text
    notice = "まだ紐付けていない口座が見つかりました。[!]から紐付けてください。"
    # The consent still sees a third, unlinked account: one notice, on the consent's first row.
    assert home.count(notice) == 1
    row_a = home[home.index(f'id="account-{a_id}"'):home.index(f'id="account-{b_id}"')]
    assert notice in row_a
