"""The example client (examples/tsunagu_sync.py) against a live portal and the sandbox bank:
its SQLite copy equals the office's ledger after each run — after syncs from the bank, a
file import and its undo, a memo edit — and its webhook server takes a correctly signed
statements.added (and syncs) and refuses a wrongly signed one with 401."""
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import exists
from sqlmodel import select
from standardwebhooks import Webhook

from portal.api import tokens
from portal.api.scopes import Scope
from portal.models import Account, Statement, StatementImport
from portal.models.books import BookLine
from portal.services import audit
from tests.integration.lifetime_helpers import link_first
from tests.support.deployment import free_port
from tests.support.flows import PortalUser, wait_for

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "tsunagu_sync.py"
CSV = ("取引日,入出金(円),取引後残高(円),入出金内容\r\n"
       "20240401,5000,5000,入金 カブシキガイシャ\r\n"
       "20240402,-1200,3800,文具\r\n").encode()


def portal_ledger(db, office_id: int) -> dict[int, tuple]:
    with db() as s:
        booked = exists().where(BookLine.statement_id == Statement.id)
        return {st.id: (st.account_id, st.transaction_date.isoformat(),
                        st.value_date.isoformat() if st.value_date else None, st.amount,
                        st.balance_after, st.description, st.memo or "", st.source.value, int(b))
                for st, b in s.exec(select(Statement, booked.label("b"))
                                    .where(Statement.office_id == office_id))}


def copy_of(path: Path) -> dict[int, tuple]:
    with sqlite3.connect(path) as db:
        return {r[0]: tuple(r[1:]) for r in db.execute(
            "SELECT id, account_id, transaction_date, value_date, amount, balance_after, "
            "description, memo, source, booked FROM statement")}


def run_client(portal, token: str, copy: Path) -> str:
    done = subprocess.run([sys.executable, str(SCRIPT), "--url", portal.url, "--token", token,
                           "--db", str(copy)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def linked_with_token(live_portal, sandbox, db, email: str, name: str):
    """A user with a synced account at the bank and a statements:read token of their office:
    (user, account id, remote account, office id, token)."""
    user = PortalUser(live_portal, email=email).signup()
    account_id, remote = link_first(user, sandbox, db)
    with db() as s:
        office_id = s.get(Account, account_id).office_id
        token, _row = tokens.create(s, office_id, audit.SYSTEM, name=name,
                                    scopes=[Scope.STATEMENTS_READ])
    return user, account_id, remote, office_id, token


def test_the_example_client_keeps_a_copy_equal_to_the_ledger(live_portal, sandbox, db, tmp_path):
    user, account_id, remote, office_id, token = linked_with_token(
        live_portal, sandbox, db, "example-client@example.jp", "example")
    copy = tmp_path / "copy.sqlite"
    assert "synced:" in run_client(live_portal, token, copy)
    first = portal_ledger(db, office_id)
    assert first and copy_of(copy) == first

    # More at the bank, and a sync; a file import on a manual account; a memo.
    sandbox.admin("POST", f"/banks/0001/_sandbox/accounts/{remote.remote_id}/transactions",
                  json={"count": 3})
    user.sync(account_id)
    assert user.wait_state(account_id, "done", "failed") == "done"
    manual_id = user.register("0005", kind="manual:personal")
    preview = user.http.post(f"/accounts/{manual_id}/import", files={"file": ("meisai.csv", CSV)},
                             data={"csrf_token": user.token(f"/accounts/{manual_id}/import")})
    assert preview.status_code == 303, preview.text
    assert user.post(preview.headers["Location"]).status_code == 303
    some = next(iter(first))
    assert user.post(f"/accounts/{account_id}/statements/{some}/memo",
                     {f"statement-{some}-memo": "交通費 (example)"}).status_code == 303
    second = portal_ledger(db, office_id)
    assert len(second) == len(first) + 3 + 2 and second[some][6] == "交通費 (example)"
    run_client(live_portal, token, copy)
    assert copy_of(copy) == second

    # The import undone: its rows go from the copy too.
    with db() as s:
        batch = s.exec(select(StatementImport).where(StatementImport.account_id == manual_id)).one()
    assert user.post(f"/accounts/{manual_id}/imports/{batch.id}/undo").status_code == 303
    third = portal_ledger(db, office_id)
    assert len(third) == len(second) - 2
    run_client(live_portal, token, copy)
    assert copy_of(copy) == third


def test_the_example_webhook_server_checks_signatures(live_portal, sandbox, db, tmp_path):
    user, account_id, remote, office_id, token = linked_with_token(
        live_portal, sandbox, db, "example-hooks@example.jp", "hooks")
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    port, copy = free_port(), tmp_path / "hooks.sqlite"
    server = subprocess.Popen([sys.executable, str(SCRIPT), "--url", live_portal.url, "--token", token,
                               "--db", str(copy), "--serve-webhooks", str(port), "--secret", secret],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "synced:" in server.stdout.readline()  # a run first, then the server
        assert "listening" in wait_for(server.stdout.readline, message="the webhook server")
        before = portal_ledger(db, office_id)
        assert copy_of(copy) == before
        sandbox.admin("POST", f"/banks/0001/_sandbox/accounts/{remote.remote_id}/transactions",
                      json={"count": 2})
        user.sync(account_id)
        assert user.wait_state(account_id, "done", "failed") == "done"
        body = ('{"type":"statements.added","timestamp":"2026-12-01T12:00:00Z",'
                f'"data":{{"account_id":{account_id},"count":2}}}}')
        now = datetime.now(UTC)
        good = {"webhook-id": "msg_example_1", "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": Webhook(secret).sign("msg_example_1", now, body)}
        bad = {**good, "webhook-signature": Webhook("whsec_" + "A" * 32).sign("msg_example_1", now, body)}
        url = f"http://127.0.0.1:{port}/"
        assert httpx.post(url, content=body, headers=bad, timeout=30).status_code == 401
        assert copy_of(copy) == before  # refused: no sync
        assert httpx.post(url, content=body, headers=good, timeout=30).status_code == 204
        after = portal_ledger(db, office_id)
        assert len(after) == len(before) + 2 and copy_of(copy) == after
    finally:
        server.terminate()
        server.wait(timeout=10)
