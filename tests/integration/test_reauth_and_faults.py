"""Consent expiry and revocation, re-authentication, bank hours, 429/503, disconnect."""
from datetime import datetime, time, timedelta

import pytest
from sqlmodel import select

from portal.banks import hours
from portal.dates import JST, today_jst, utcnow
from portal.models import BankConnection, SyncRun
from tests.integration.lifetime_helpers import (
    account,
    connections,
    first_window_start,
    last_run,
    ledger,
    link_first,
    truth,
)
from tests.support.flows import PortalUser, wait_for
from tests.support.ledger_checks import assert_kept_equals_recomputed


@pytest.fixture(autouse=True)
def clean_faults(sandbox):
    hours.forget_cache()
    yield
    for code in ("0001", "0010", "0038", "0310"):
        sandbox.admin("DELETE", f"/banks/{code}/_sandbox/faults")
    hours.forget_cache()


def test_expiry_warning_then_expiry_then_reauth_keeps_history(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    account_id, remote = link_first(user, sandbox, db)
    conn_id = connections(db)[0].id
    with db() as s:
        conn = s.get(BankConnection, conn_id)
        conn.consent_expires_at = utcnow() + timedelta(days=3)
        s.commit()
    home = user.http.get("/").text
    assert "まもなく期限切れ" in home and "認証の有効期限" in home
    assert "あと" in user.http.get("/reauth/").text
    # The bank ends the consent; the next sync cannot refresh and says so.
    sandbox.admin("POST", "/banks/0001/_sandbox/users/yamada/expire")
    with db() as s:  # make the access token due, so the refresh meets the expiry
        conn = s.get(BankConnection, conn_id)
        conn.access_expires_at = utcnow()
        s.commit()
    before = ledger(db, account_id)
    user.sync(account_id)
    assert user.wait_state(account_id, "failed") == "failed"
    assert last_run(db, account_id).error_code == "reauth_required"
    assert connections(db)[0].state == "reauth_required"
    assert "再認証が必要" in user.http.get("/").text
    # Syncs stop: pressing sync on a connection needing re-auth queues nothing new.
    reauth_page = user.http.get("/reauth/").text
    assert "再認証する" in reauth_page
    sandbox.admin("POST", f"/banks/0001/_sandbox/accounts/{remote.remote_id}/transactions",
                  json={"count": 2})
    assert user.consent(account_id).status_code == 303
    assert [c.id for c in connections(db)] == [conn_id]
    assert connections(db)[0].state == "active"
    assert account(db, account_id).remote_account_id == remote.id  # mapping kept
    assert user.wait_state(account_id, "done", "failed") == "done"
    after = ledger(db, account_id)
    assert len(after) == len(before) + 2
    assert after == truth(sandbox, "0001", remote.remote_id, first_window_start(db, account_id))


def test_revocation_at_the_bank_marks_reauth_required(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    account_id, _remote = link_first(user, sandbox, db)
    sandbox.admin("POST", "/banks/0001/_sandbox/users/yamada/revoke")
    user.sync(account_id)
    assert user.wait_state(account_id, "failed") == "failed"
    assert last_run(db, account_id).error_code == "reauth_required"
    assert connections(db)[0].state == "reauth_required"


def test_sync_during_maintenance_says_so_waits_then_completes(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    account_id, remote = link_first(user, sandbox, db)
    sandbox.admin("POST", f"/banks/0001/_sandbox/accounts/{remote.remote_id}/transactions",
                  json={"count": 1})
    sandbox.admin("POST", "/banks/0001/_sandbox/faults", json={"mode": "maintenance", "seconds": 3})
    hours.forget_cache()
    resp = user.post(f"/accounts/{account_id}/sync")
    assert resp.status_code == 303
    home = user.http.get("/").text
    # A maintenance is named as one, not as the bank's regular closing hours.
    assert "銀行がメンテナンス中です。" in home and "以降に自動で同期します" in home
    assert "サービス時間外" not in home
    run = last_run(db, account_id)
    assert run.state == "queued" and run.error_code == "maintenance"
    assert user.wait_state(account_id, "done", "failed", timeout=60) == "done"
    assert last_run(db, account_id).added == 1


def test_429_and_500_mid_sync_are_retried_and_the_ledger_matches(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    account_id, remote = link_first(user, sandbox, db)
    sandbox.admin("POST", f"/banks/0001/_sandbox/accounts/{remote.remote_id}/transactions",
                  json={"count": 4})
    sandbox.admin("POST", "/banks/0001/_sandbox/faults",
                  json={"mode": "rate_limit", "retry_after": 1, "count": 1})
    sandbox.admin("POST", "/banks/0001/_sandbox/faults",
                  json={"mode": "server_error", "rate": 1.0, "count": 2})
    user.sync(account_id)
    assert user.wait_state(account_id, "done", "failed") == "done"
    since = first_window_start(db, account_id)
    assert ledger(db, account_id) == truth(sandbox, "0001", remote.remote_id, since)


@pytest.mark.portal_config(BANK_MAX_RETRY_WAIT=0.5)
def test_503_with_long_retry_after_is_rescheduled_and_finishes_later(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    account_id, remote = link_first(user, sandbox, db)
    sandbox.admin("POST", f"/banks/0001/_sandbox/accounts/{remote.remote_id}/transactions",
                  json={"count": 3})
    # Over the client's inline wait: the run goes back to the queue and comes back by itself.
    sandbox.admin("POST", "/banks/0001/_sandbox/faults",
                  json={"mode": "rate_limit", "retry_after": 2, "count": 1})
    user.sync(account_id)
    wait_for(lambda: last_run(db, account_id).error_code == "rate_limited",
             message="the run deferred after 429")
    assert user.wait_state(account_id, "done", "failed", timeout=60) == "done"
    run = last_run(db, account_id)
    assert run.trigger == "retry" and run.attempts == 2 and run.added == 3
    since = first_window_start(db, account_id)
    assert ledger(db, account_id) == truth(sandbox, "0001", remote.remote_id, since)


def test_disconnect_revokes_keeps_statements_and_relinks_without_duplicates(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    account_id, remote = link_first(user, sandbox, db)
    before = ledger(db, account_id)
    assert user.post(f"/accounts/{account_id}/disconnect").status_code == 303
    conn = connections(db)[0]
    assert conn.state == "revoked" and conn.access_token_enc is None and conn.refresh_token_enc is None
    assert ledger(db, account_id) == before
    assert "連携を解除しました" in user.http.get("/").text
    assert user.consent(account_id).status_code == 303
    assert [c.state for c in connections(db)] == ["active"]
    assert user.wait_state(account_id, "done", "failed") == "done"
    assert ledger(db, account_id) == before  # nothing doubled


def test_one_active_run_per_account(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    account_id, _ = link_first(user, sandbox, db)
    sandbox.admin("POST", "/banks/0001/_sandbox/faults", json={"mode": "slow", "delay": 0.5, "count": 2})
    for _ in range(3):
        user.post(f"/accounts/{account_id}/sync")
    assert user.wait_state(account_id, "done", "failed") == "done"
    with db() as s:
        runs = s.exec(select(SyncRun).where(SyncRun.account_id == account_id)).all()
    # link_first made two runs (needs_selection, done); the three clicks made one more.
    assert len(runs) == 3


def test_sync_log_lists_every_run_with_its_figures_and_typed_error(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    account_id, _ = link_first(user, sandbox, db)
    sandbox.admin("POST", "/banks/0001/_sandbox/faults", json={"mode": "malformed", "count": 5})
    user.sync(account_id)
    assert user.wait_state(account_id, "done", "failed") == "failed"
    assert last_run(db, account_id).error_code == "bad_response"
    log = user.http.get(f"/accounts/{account_id}/log").text
    assert log.count('<tr class="run-') == 3
    assert "同期失敗" in log and "同期完了" in log and "口座の選択待ち" in log
    assert "銀行から想定外の応答がありました" in log
    row = user.http.get(f"/accounts/{account_id}/status", headers={"HX-Request": "true"}).text
    assert "銀行から想定外の応答がありました" in row and "同期完了" not in row  # never shown as success


@pytest.mark.portal_config(bank_extra={"rate_limit_per_day": 12})
def test_daily_call_limit_is_shown_and_respected(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    account_id, _ = link_first(user, sandbox, db)
    with db() as s:
        from portal.services import call_budget
        used = call_budget.used_today(s, "0001")
    assert used >= 4  # accounts, accounts + balances + pages: every request counted
    row = user.http.get(f"/accounts/{account_id}/status", headers={"HX-Request": "true"}).text
    assert "本日の残りAPI回数" in row and f"{max(0, 12 - used)}回" in row
    with db() as s:  # spend the rest of today's calls
        call_budget.record(s, "0001", 12)
        s.commit()
    user.post(f"/accounts/{account_id}/sync")
    run = last_run(db, account_id)
    assert run.state == "queued" and run.error_code == "daily_limit"
    # Deferred to the start of the next day in Japan (00:05 JST), when the bank's count
    # starts again: not a fixed time from now (within an hour of midnight, less than one).
    midnight = datetime.combine(today_jst() + timedelta(days=1), time(0, 0), JST)
    assert run.next_attempt_at >= midnight > utcnow()
    row = user.http.get(f"/accounts/{account_id}/status", headers={"HX-Request": "true"}).text
    assert "0回" in row and "利用回数の上限に達しました" in row


@pytest.fixture
def small_pages(sandbox):
    sandbox.admin("PATCH", "/banks/0001/_sandbox/profile", json={"page_size": 100})
    yield
    sandbox.admin("PATCH", "/banks/0001/_sandbox/profile", json={"page_size": 500})


@pytest.mark.portal_config(BANK_MAX_RETRY_WAIT=0.2)
def test_maintenance_in_the_middle_of_paging_keeps_pages_and_finishes_after(live_portal, db, sandbox,
                                                                           small_pages):
    user = PortalUser(live_portal).signup()
    account_id, remote = link_first(user, sandbox, db)
    sandbox.admin("POST", f"/banks/0001/_sandbox/accounts/{remote.remote_id}/transactions",
                  json={"count": 300})
    # accounts, balances and the first page go through; then 503 WG_ERR_300 for 4 seconds.
    sandbox.admin("POST", "/banks/0001/_sandbox/faults",
                  json={"mode": "maintenance", "after": 3, "seconds": 4})
    before = len(ledger(db, account_id))
    user.sync(account_id)
    wait_for(lambda: last_run(db, account_id).error_code == "bank_unavailable",
             message="the run deferred by maintenance")
    kept = len(ledger(db, account_id))
    assert before < kept < before + 300  # the page before the outage is committed
    with db() as s:  # the figures of what it stored are up to date while the run waits
        assert_kept_equals_recomputed(s, account_id)
    assert user.wait_state(account_id, "done", "failed", timeout=60) == "done"
    run = last_run(db, account_id)
    assert run.attempts == 2 and run.state == "done"
    since = first_window_start(db, account_id)
    assert ledger(db, account_id) == truth(sandbox, "0001", remote.remote_id, since)
    # The second go went on from the stored cursor: every row of the window counted once.
    in_window = len(truth(sandbox, "0001", remote.remote_id, run.date_from))
    assert run.fetched == in_window == run.added + run.skipped and run.added == 300
    with db() as s:
        assert_kept_equals_recomputed(s, account_id)


@pytest.mark.portal_config(BANK_MAX_RETRY_WAIT=0.2)
def test_truncated_and_reset_pages_in_a_row_are_retried_and_nothing_is_lost(live_portal, db, sandbox,
                                                                            small_pages):
    user = PortalUser(live_portal).signup()
    account_id, remote = link_first(user, sandbox, db)
    sandbox.admin("POST", f"/banks/0001/_sandbox/accounts/{remote.remote_id}/transactions",
                  json={"count": 250})
    # In the middle of paging: two truncated bodies, then two resets, one after the other.
    sandbox.admin("POST", "/banks/0001/_sandbox/faults", json={"mode": "truncate", "after": 3, "count": 2})
    sandbox.admin("POST", "/banks/0001/_sandbox/faults", json={"mode": "reset", "after": 5, "count": 2})
    user.sync(account_id)
    assert user.wait_state(account_id, "done", "failed", timeout=60) == "done"
    since = first_window_start(db, account_id)
    assert ledger(db, account_id) == truth(sandbox, "0001", remote.remote_id, since)
    assert last_run(db, account_id).added == 250


def test_a_malformed_page_in_the_middle_fails_typed_and_stores_nothing_of_it(live_portal, db, sandbox,
                                                                             small_pages):
    user = PortalUser(live_portal).signup()
    account_id, remote = link_first(user, sandbox, db)
    sandbox.admin("POST", f"/banks/0001/_sandbox/accounts/{remote.remote_id}/transactions",
                  json={"count": 250})
    before = ledger(db, account_id)
    sandbox.admin("POST", "/banks/0001/_sandbox/faults", json={"mode": "malformed", "after": 4, "count": 10})
    user.sync(account_id)
    assert user.wait_state(account_id, "done", "failed", timeout=60) == "failed"
    run = last_run(db, account_id)
    assert run.error_code == "bad_response" and run.attempts == 1  # not retried for ever
    after = ledger(db, account_id)
    bank = truth(sandbox, "0001", remote.remote_id)
    # The two pages before it are kept; every stored row is the bank's own, none doubled.
    assert run.fetched == 200 and set(before) <= set(after)
    assert all(bank[k] == v for k, v in after.items())
    assert run.added == len(after) - len(before)
    with db() as s:  # the failed run brought the figures of its stored pages up to date
        assert_kept_equals_recomputed(s, account_id)


def test_bulk_reauth_page_walks_through_every_expired_consent(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    first_id, _ = link_first(user, sandbox, db, bank="0001")
    second_id, _ = link_first(user, sandbox, db, bank="0310")
    for code in ("0001", "0310"):
        sandbox.admin("POST", f"/banks/{code}/_sandbox/users/yamada/expire")
    with db() as s:
        for conn in s.exec(select(BankConnection)).all():
            conn.access_expires_at = utcnow()
        s.commit()
    for account_id in (first_id, second_id):
        user.sync(account_id)
        assert user.wait_state(account_id, "failed") == "failed"
    page = user.http.get("/reauth/").text
    assert page.count('class="card"') == 2 and "みずほ銀行" in page and "GMOあおぞらネット銀行" in page
    # [再認証する] leads through the bank's notes page, as the first consent did.
    assert f'href="/accounts/{first_id}/connect"' in page
    notes = user.http.get(f"/accounts/{first_id}/connect")
    assert notes.status_code == 200 and "注意点" in notes.text
    # The first re-authentication comes back to the list, the last one to home.
    back = user.consent(first_id)
    assert back.headers["Location"] == "/reauth/"
    assert "GMOあおぞらネット銀行" in user.http.get("/reauth/").text
    back = user.consent(second_id)
    assert back.headers["Location"] == "/"
    assert {c.state for c in connections(db)} == {"active"}
    for account_id in (first_id, second_id):
        assert user.wait_state(account_id, "done", "failed") == "done"
