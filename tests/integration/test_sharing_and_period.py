"""Walkthrough 2 over HTTP: one consent shared by three accounts; the statement period."""
from datetime import date, timedelta

from tests.integration.lifetime_helpers import (
    account,
    connections,
    first_window_start,
    last_run,
    ledger,
    link_first,
    remotes,
    truth,
)
from tests.support.flows import PortalUser


def test_one_consent_shared_by_three_accounts(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    a_id, a_remote = link_first(user, sandbox, db)
    b_id, c_id = user.register("0001", name="B口座"), user.register("0001", name="C口座")
    # [v] → [今すぐ同期] on the synced account: it reports the consent's unlinked accounts.
    user.sync(a_id)
    assert user.wait_state(a_id, "done") == "done"
    assert last_run(db, a_id).notice == "unlinked_accounts"
    home = user.http.get("/").text
    assert f"/accounts/{a_id}/troubleshooting" in home
    page = user.http.get(f"/accounts/{a_id}/troubleshooting").text
    assert "トラブルシューティング" in page and "口座を保存する" in page
    others = [r for r in remotes(db) if r.id != a_remote.id][:2]
    resp = user.post(f"/accounts/{a_id}/troubleshooting", {"remote": [str(r.id) for r in others]})
    assert resp.status_code == 303
    # B: 口座設定 → 「他の口座のログイン情報を利用する」 → A → [確定]: two linked, so choose one.
    settings = user.http.get(f"/accounts/{b_id}/settings").text
    assert "3</span> ログイン情報を入力しましょう" in settings
    assert "4</span> 明細を取得する期間を選びましょう" in settings
    picker = user.http.get(f"/accounts/{b_id}/settings/logins", headers={"HX-Request": "true"}).text
    assert "確定" in picker and f'value="{a_id}"' in picker
    resp = user.post(f"/accounts/{b_id}/settings/login", {"source_account": str(a_id)})
    assert resp.headers["Location"] == f"/accounts/{b_id}/select?then=settings"
    resp = user.post(f"/accounts/{b_id}/select?then=settings", {"remote_account": str(others[0].id)})
    assert resp.headers["Location"] == f"/accounts/{b_id}/settings#section-4"
    assert user.post(f"/accounts/{b_id}/settings", {"name": "B口座", "period_start": ""}).status_code == 303
    assert user.wait_state(b_id, "done", "failed") == "done"
    # C: the one linked account left is mapped without asking; [口座を保存する] syncs it.
    resp = user.post(f"/accounts/{c_id}/settings/login", {"source_account": str(a_id)})
    assert resp.headers["Location"].startswith(f"/accounts/{c_id}/settings")
    resp = user.post(f"/accounts/{c_id}/settings", {"name": "C口座", "period_start": ""})
    assert resp.status_code == 303
    assert user.wait_state(c_id, "done", "failed") == "done"
    # Every bank-side account of the consent is an account's now: no notice any more.
    assert all(r.linked for r in remotes(db)), "the demo login's accounts are these three"
    assert last_run(db, c_id).notice is None
    assert len(connections(db)) == 1  # never a second consent
    for acct_id, remote in ((a_id, a_remote), (b_id, others[0]), (c_id, others[1])):
        since = first_window_start(db, acct_id)
        assert ledger(db, acct_id) == truth(sandbox, "0001", remote.remote_id, since)
        assert account(db, acct_id).connection_id == connections(db)[0].id


def test_a_second_consent_for_the_same_login_reuses_the_connection(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    link_first(user, sandbox, db)
    b_id = user.register("0001", name="B口座")
    notes = user.http.get(f"/accounts/{b_id}/connect").text
    assert "すでに認証済みのログイン情報があります" in notes  # warned before a second consent
    assert user.consent(b_id).status_code == 303
    assert len(connections(db)) == 1
    assert account(db, b_id).connection_id == connections(db)[0].id


def test_period_start_moved_earlier_backfills_without_duplicates(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    account_id = user.register("0001")
    user.consent(account_id)
    recent = date.today() - timedelta(days=60)
    assert user.post(f"/accounts/{account_id}/settings",
                     {"name": "期間テスト", "period_start": recent.isoformat()}).status_code == 303
    user.sync(account_id)
    user.wait_state(account_id, "needs_selection")
    chosen = remotes(db)[0]
    user.post(f"/accounts/{account_id}/select", {"remote_account": str(chosen.id)})
    assert user.wait_state(account_id, "done", "failed") == "done"
    first = ledger(db, account_id)
    assert first == truth(sandbox, "0001", chosen.remote_id, recent)
    # The bound is shown and enforced.
    page = user.http.get(f"/accounts/{account_id}/settings").text
    assert "以降の明細です" in page
    too_old = user.post(f"/accounts/{account_id}/settings",
                        {"name": "期間テスト", "period_start": "2000-01-01"})
    assert too_old.status_code == 400
    earlier = date.today() - timedelta(days=400)
    user.post(f"/accounts/{account_id}/settings", {"name": "期間テスト", "period_start": earlier.isoformat()})
    assert user.wait_state(account_id, "done", "failed") == "done"
    after = ledger(db, account_id)
    assert after == truth(sandbox, "0001", chosen.remote_id, earlier)
    assert len(after) > len(first)
    assert last_run(db, account_id).added == len(after) - len(first)
