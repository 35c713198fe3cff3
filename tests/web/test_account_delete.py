"""Deleting an account: a page that says what goes, then exactly that, and nothing of another
account; the consent stays for the accounts still using it and ends with the last one."""
from datetime import date
from pathlib import Path

from sqlalchemy import func
from sqlmodel import SQLModel, select

from portal.crypto import token_aad
from portal.models import (
    Account,
    BankConnection,
    MatchReview,
    RemoteAccount,
    Statement,
    StatementAlias,
    SyncRun,
)
from tests.web.csv_helpers import RAKUTEN, crlf, import_file, ledger, register, text, upload

OTHER_FILE = crlf("取引日,入出金(円),取引後残高(円),入出金内容", "20240501,1000,1000,入金")


def counts(db, account_id: int | None = None) -> dict[str, int]:
    """Rows of every table; with an account id, only the rows of that account."""
    out = {}
    with db() as s:
        for table in SQLModel.metadata.sorted_tables:
            q = select(func.count()).select_from(table)
            if account_id is not None:
                column = table.c.get("account_id")
                if column is None:
                    column = table.c.id if table.name == "account" else None
                if column is None:
                    continue
                q = q.where(column == account_id)
            out[table.name] = s.exec(q).one()
    return out


def fill(db, auth, account_id: int, data: str) -> None:
    """Statements from a file and by hand, a memo, a sync log, a review and a second key."""
    import_file(auth, account_id, data.encode("utf-8"))
    auth.post(f"/accounts/{account_id}/statements/new", {"transaction_date": "2024-06-01",
                                                          "description": "現金", "deposit": "5",
                                                          "memo": "メモ"})
    with db() as s:
        acc = s.get(Account, account_id)
        sid = s.exec(select(Statement.id).where(Statement.account_id == account_id)).first()
        s.add(SyncRun(office_id=acc.office_id, account_id=acc.id, trigger="user", state="done"))
        s.add(MatchReview(office_id=acc.office_id, account_id=acc.id, incoming="{}",
                          candidate_ids=str(sid)))
        s.add(StatementAlias(office_id=acc.office_id, account_id=acc.id,
                             dedupe_key=f"csv:alias{account_id}", statement_id=sid))
        s.commit()


def test_deleting_an_account_removes_all_of_it_and_nothing_of_another(app, db, auth, client):
    auth.signup()
    gone = register(auth, bank="0005", name="消す口座")
    kept = register(auth, bank="0005", name="残す口座")
    fill(db, auth, gone, RAKUTEN)
    fill(db, auth, kept, OTHER_FILE)
    for account_id in (gone, kept):  # a file each, uploaded but not imported yet
        assert upload(auth, account_id, RAKUTEN.encode("utf-8")).status_code == 303
    uploads = Path(app.instance_path, "uploads")
    total, mine, theirs = counts(db), counts(db, gone), counts(db, kept)
    assert all(mine[t] > 0 for t in ("statement", "statement_import", "sync_run", "match_review",
                                      "statement_alias"))  # there is something of each to delete
    kept_ledger, kept_account = ledger(db, kept), s_account(db, kept)

    page = text(client.get(f"/accounts/{gone}/delete"))
    assert "口座「消す口座」を削除します。" in page
    assert "明細 3件(メモを含む)" in page and "取り込みの履歴 1件" in page and "同期の履歴 1件" in page
    assert counts(db) == total  # asking deletes nothing
    resp = auth.post(f"/accounts/{gone}/delete")
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    assert "口座「消す口座」を削除しました。" in text(client.get("/"))

    gone_counts = counts(db, gone)
    # The change feed keeps the account's changes and adds one 'removed' per statement gone,
    # for API clients to learn it.
    assert gone_counts.pop("statement_change") == mine["statement_change"] + mine["statement"]
    assert gone_counts == {t: 0 for t in mine if t != "statement_change"}
    assert counts(db, kept) == theirs
    after = counts(db)
    # The one row deleting adds: the office's audit log says who deleted which account.
    assert after.pop("audit_event") == total.pop("audit_event") + 1
    assert after.pop("statement_change") == total.pop("statement_change") + mine["statement"]
    mine.pop("statement_change")
    assert after == {t: n - mine.get(t, 0) for t, n in total.items()}
    assert ledger(db, kept) == kept_ledger and s_account(db, kept) == kept_account
    assert client.get(f"/accounts/{gone}/statements").status_code == 404
    assert "消す口座" not in text(client.get("/accounts/"))
    # Its waiting upload is gone (a later account may get the same id); the other's stays.
    assert sorted(p.name.split("-")[2] for p in uploads.glob("*.upload")) == [str(kept)]


def s_account(db, account_id):
    with db() as s:
        acc = s.get(Account, account_id)
        return (acc.name, acc.balance, acc.statement_count, acc.sync_method)


def _shared_consent(db, app, *account_ids) -> int:
    """The accounts use one consent, as after a bank's consent screen, with stored tokens."""
    cipher = app.extensions["token_cipher"]
    with db() as s:
        conn = BankConnection(office_id=1, bank_code="0001")
        s.add(conn)
        s.flush()
        conn.access_token_enc = cipher.encrypt("access", token_aad(conn.id, "access"))
        conn.refresh_token_enc = cipher.encrypt("refresh", token_aad(conn.id, "refresh"))
        for n, account_id in enumerate(account_ids):
            remote = RemoteAccount(office_id=1, connection_id=conn.id, remote_id=f"r{n}", linked=True)
            s.add(remote)
            s.flush()
            acc = s.get(Account, account_id)
            acc.connection_id, acc.remote_account_id = conn.id, remote.id
        s.commit()
        return conn.id


def connection(db, conn_id) -> BankConnection:
    with db() as s:
        return s.get(BankConnection, conn_id)


def test_the_consent_stays_for_others_and_ends_with_the_last_account(app, db, auth, client):
    auth.signup()
    first = register(auth, kind="api:personal", name="本店")
    second = register(auth, kind="api:personal", name="支店")
    conn_id = _shared_consent(db, app, first, second)

    page = text(client.get(f"/accounts/{first}/delete"))
    assert "次の口座のために残ります" in page and "<li>支店</li>" in page
    assert "連携も解除します" not in page
    auth.post(f"/accounts/{first}/delete")
    conn = connection(db, conn_id)
    assert conn.state == "active" and conn.refresh_token_enc is not None
    with db() as s:  # the bank-side accounts stay with the consent
        assert len(s.exec(select(RemoteAccount).where(RemoteAccount.connection_id == conn_id)).all()) == 2

    page = text(client.get(f"/accounts/{second}/delete"))
    assert "この口座だけです。削除すると連携も解除します" in page
    auth.post(f"/accounts/{second}/delete")
    conn = connection(db, conn_id)
    assert conn.state == "revoked"
    assert conn.access_token_enc is None and conn.refresh_token_enc is None
    assert "この口座だけが使っていた銀行との連携も解除しました。" in text(client.get("/"))


def test_an_account_whose_sync_runs_is_not_deleted(db, auth, client):
    auth.signup()
    account_id = register(auth, kind="api:personal")
    with db() as s:
        s.add(SyncRun(office_id=1, account_id=account_id, trigger="user", state="running",
                      date_from=date(2024, 4, 1)))
        s.commit()
    before = counts(db)
    resp = auth.post(f"/accounts/{account_id}/delete")
    assert resp.status_code == 303 and resp.headers["Location"] == f"/accounts/{account_id}/delete"
    assert "同期中の口座は削除できません" in text(client.get(resp.headers["Location"]))
    assert counts(db) == before


def test_a_queued_sync_goes_with_the_account(db, auth):
    auth.signup()
    account_id = register(auth, kind="api:personal")
    with db() as s:
        s.add(SyncRun(office_id=1, account_id=account_id, trigger="schedule", state="queued"))
        s.commit()
    assert auth.post(f"/accounts/{account_id}/delete").status_code == 303
    assert counts(db, account_id)["sync_run"] == 0 and counts(db)["account"] == 0


def test_the_settings_page_offers_deletion(auth, client):
    auth.signup()
    account_id = register(auth)
    page = text(client.get(f"/accounts/{account_id}/settings"))
    assert f'href="/accounts/{account_id}/delete"' in page and "口座を削除する" in page
