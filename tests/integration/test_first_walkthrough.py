"""Walkthrough 1 over real HTTP: register, consent at the sandbox bank, sync, choose, ledger."""
from datetime import date

import pytest
from sqlmodel import func, select

from portal.models import Account, BankConnection, Statement, SyncRun
from tests.support.flows import PortalUser, query_of

FLASH_OK = "との連携が許可されました"


def ledger(db, account_id):
    with db() as s:
        rows = s.exec(select(Statement).where(Statement.account_id == account_id)).all()
        return [(r.dedupe_key, r.transaction_date, r.amount) for r in rows]


def ground_truth(sandbox, bank, remote_id, since: date):
    data = sandbox.admin("GET", f"/banks/{bank}/_sandbox/ground-truth/{remote_id}").json()
    rows = [t for t in data["transactions"] if date.fromisoformat(t["transactionDate"]) >= since]
    sign = {"1": 1, "2": -1}
    return rows, sum(sign[t["transactionType"]] * int(t["amount"]) for t in rows)


def linked_account(user, sandbox, db, bank="0001", choose="largest"):
    """Register, consent, sync to needs_selection, choose a bank-side account, sync to done."""
    account_id = user.register(bank)
    back = user.consent(account_id)
    assert back.status_code == 303 and back.headers["Location"] == "/"
    assert FLASH_OK in user.http.get("/").text
    user.sync(account_id)
    assert user.wait_state(account_id, "needs_selection", "done") == "needs_selection"
    page = user.http.get(f"/accounts/{account_id}/select").text
    with db() as s:
        from portal.models import RemoteAccount
        remotes = s.exec(select(RemoteAccount)).all()
    assert len(remotes) >= 3
    for r in remotes:
        assert r.masked_number in page and r.masked_number.startswith("*")
    sizes = {r.id: len(sandbox.admin("GET", f"/banks/{bank}/_sandbox/ground-truth/{r.remote_id}")
                       .json()["transactions"]) for r in remotes}
    chosen = max(sizes, key=sizes.get)
    resp = user.post(f"/accounts/{account_id}/select", {"remote_account": str(chosen)})
    assert resp.status_code == 303
    assert user.wait_state(account_id, "done", "failed") == "done"
    remote = next(r for r in remotes if r.id == chosen)
    return account_id, remote


def test_walkthrough_consent_select_sync_matches_ground_truth(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    account_id, remote = linked_account(user, sandbox, db)
    with db() as s:
        run = s.exec(select(SyncRun).where(SyncRun.account_id == account_id, SyncRun.state == "done")).one()
        account = s.get(Account, account_id)
        count, total = s.exec(select(func.count(), func.sum(Statement.amount))
                              .where(Statement.account_id == account_id)).one()
    truth, truth_sum = ground_truth(sandbox, "0001", remote.remote_id, run.date_from)
    assert count == len(truth) >= 1000
    assert total == truth_sum
    assert run.fetched == count and run.added == count and run.skipped == 0
    balance = sandbox.admin("GET", f"/banks/0001/_sandbox/ground-truth/{remote.remote_id}").json()["balance"]
    assert account.balance == int(balance)
    home = user.http.get("/").text
    assert f"{int(balance):,}円" in home and f"{count:,}件" in home
    # The statements page lists them newest first, 50 a page.
    page = user.http.get(f"/accounts/{account_id}/statements").text
    newest = max(date.fromisoformat(t["transactionDate"]) for t in truth)
    assert newest.strftime("%Y/%m/%d") in page


def test_repeated_sync_adds_nothing(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    account_id, remote = linked_account(user, sandbox, db)
    before = ledger(db, account_id)
    user.sync(account_id)
    assert user.wait_state(account_id, "done", "failed") == "done"
    assert sorted(ledger(db, account_id)) == sorted(before)
    with db() as s:
        last = s.exec(select(SyncRun).where(SyncRun.account_id == account_id)
                      .order_by(SyncRun.id.desc())).first()
    assert last.added == 0 and last.skipped == last.fetched > 0


def test_new_statements_arrive_incrementally(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    account_id, remote = linked_account(user, sandbox, db)
    before = len(ledger(db, account_id))
    sandbox.admin("POST", f"/banks/0001/_sandbox/accounts/{remote.remote_id}/transactions",
                  json={"count": 3})
    user.sync(account_id)
    assert user.wait_state(account_id, "done", "failed") == "done"
    assert len(ledger(db, account_id)) == before + 3


def test_denied_consent_stores_nothing(live_portal, db):
    user = PortalUser(live_portal).signup()
    account_id = user.register("0001")
    back = user.consent(account_id, decision="同意しない")
    assert back.status_code == 303
    assert "銀行で連携が許可されませんでした" in user.http.get("/").text
    with db() as s:
        assert s.exec(select(BankConnection)).all() == []
        assert s.get(Account, account_id).connection_id is None


def test_replayed_and_forged_callbacks_store_nothing(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    account_id = user.register("0001")
    authorize = user.start_consent(account_id)
    from tests.support.flows import bank_consent
    # Stop at the bank's answer without following it back to the portal.
    page = bank_consent(user.http, authorize, decision=None)
    from tests.support.html_forms import submit
    resp = submit(user.http, str(page.url), page.text, button_label="同意する")
    callback = resp.headers["Location"]
    params = query_of(callback)
    assert params["iss"] == sandbox.bank_url("0001")
    # A wrong issuer (mix-up) is refused, and the state is spent by that attempt.
    encoded_iss = params["iss"].replace(":", "%3A").replace("/", "%2F")
    forged = callback.replace(encoded_iss, "https%3A%2F%2Fevil.example")
    r = user.http.get(forged)
    assert r.status_code == 303
    assert "想定した銀行からのものではありません" in user.http.get("/").text
    # Replaying the genuine callback now finds no pending state.
    r = user.http.get(callback)
    assert "すでに使用済みです" in user.http.get("/").text
    # A callback with no state at all.
    user.http.get("/oauth/callback?code=abc")
    assert "すでに使用済みです" in user.http.get("/").text
    with db() as s:
        assert s.exec(select(BankConnection)).all() == []


def test_mufg_dialect_bank_syncs_end_to_end(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    account_id, remote = linked_account(user, sandbox, db, bank="0010")
    with db() as s:
        run = s.exec(select(SyncRun).where(SyncRun.account_id == account_id, SyncRun.state == "done")).one()
        count, total = s.exec(select(func.count(), func.sum(Statement.amount))
                              .where(Statement.account_id == account_id)).one()
    truth, truth_sum = ground_truth(sandbox, "0010", remote.remote_id, run.date_from)
    assert count == len(truth) > 0 and total == truth_sum


def test_tokens_are_encrypted_at_rest(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    linked_account(user, sandbox, db)
    with db() as s:
        conn = s.exec(select(BankConnection)).one()
    raw = (live_portal.app.extensions["db_engine"].url.database)
    blob = open(raw, "rb").read()
    token = live_portal.app.extensions["token_cipher"].decrypt(
        conn.access_token_enc, f"bank_connection:{conn.id}:access")
    assert token.encode() not in blob


def test_a_consent_with_only_one_permission_is_refused_and_revoked(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    account_id = user.register("0001")
    back = user.consent(account_id, uncheck_permissions={"transactions"})
    assert back.status_code == 303
    assert "「残高照会」と「入出金明細照会」の両方を許可してください" in user.http.get("/").text
    with db() as s:
        assert s.exec(select(BankConnection)).all() == []


def test_a_locked_bank_login_stores_nothing(live_portal, db):
    user = PortalUser(live_portal).signup()
    account_id = user.register("0001")
    from tests.support.flows import bank_consent
    page = bank_consent(user.http, user.start_consent(account_id), login="locked", decision=None)
    assert "ロック" in page.text
    with db() as s:
        assert s.exec(select(BankConnection)).all() == []


@pytest.mark.portal_config(bank_extra={"client_secret": "not-the-registered-secret"})
def test_a_refused_token_exchange_is_told_and_stores_nothing(live_portal, db):
    user = PortalUser(live_portal).signup()
    account_id = user.register("0001")
    assert user.consent(account_id).status_code == 303
    assert "銀行がトークンの発行を拒否しました" in user.http.get("/").text
    with db() as s:
        assert s.exec(select(BankConnection)).all() == []
