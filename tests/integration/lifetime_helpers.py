"""Shared steps for the account-lifetime integration tests.

`db` is the `db` fixture: `with db() as s:` opens a session on the live portal's database."""
from datetime import date

from sqlmodel import func, select

from portal.models import Account, BankConnection, RemoteAccount, Statement, SyncRun


def truth(sandbox, bank, remote_id, since: date | None = None):
    data = sandbox.admin("GET", f"/banks/{bank}/_sandbox/ground-truth/{remote_id}").json()
    sign = {"1": 1, "2": -1}
    rows = [t for t in data["transactions"]
            if since is None or date.fromisoformat(t["transactionDate"]) >= since]
    return {f"api:{t['itemKey']}": sign[t["transactionType"]] * int(t["amount"]) for t in rows}


def ledger(db, account_id) -> dict:
    with db() as s:
        rows = s.exec(select(Statement.dedupe_key, Statement.amount)
                      .where(Statement.account_id == account_id)).all()
    keys = [k for k, _ in rows]
    assert len(keys) == len(set(keys)), "duplicate statements"
    return dict(rows)


def last_run(db, account_id) -> SyncRun:
    with db() as s:
        return s.exec(select(SyncRun).where(SyncRun.account_id == account_id)
                      .order_by(SyncRun.id.desc())).first()


def first_window_start(db, account_id) -> date:
    with db() as s:
        return s.exec(select(func.min(SyncRun.date_from)).where(SyncRun.account_id == account_id)).one()


def remotes(db) -> list[RemoteAccount]:
    with db() as s:
        return s.exec(select(RemoteAccount).order_by(RemoteAccount.id)).all()


def account(db, account_id) -> Account:
    with db() as s:
        return s.get(Account, account_id)


def connections(db) -> list[BankConnection]:
    with db() as s:
        return s.exec(select(BankConnection)).all()


def link_first(user, sandbox, db, bank="0001", pick=0) -> tuple[int, RemoteAccount]:
    """Register, consent, sync to needs_selection, select remote #pick, sync to done."""
    account_id = user.register(bank)
    assert user.consent(account_id).status_code == 303
    user.sync(account_id)
    assert user.wait_state(account_id, "needs_selection") == "needs_selection"
    conn_id = account(db, account_id).connection_id
    chosen = [r for r in remotes(db) if r.connection_id == conn_id][pick]
    assert user.post(f"/accounts/{account_id}/select",
                     {"remote_account": str(chosen.id)}).status_code == 303
    assert user.wait_state(account_id, "done", "failed") == "done"
    return account_id, chosen


def refresh_concurrently(portal, db, workers: int = 4) -> tuple[list[str], list[Exception]]:
    """Make the access token due, then have several workers ask for one at once."""
    import threading

    from portal.dates import utcnow
    from portal.services import connections as connections_svc

    registry, cipher = portal.app.extensions["bank_registry"], portal.app.extensions["token_cipher"]
    with db() as s:
        conn = s.exec(select(BankConnection)).one()
        conn.access_expires_at = utcnow()
        s.commit()
    tokens, errors = [], []

    def worker():
        try:
            with db() as s:
                c = s.exec(select(BankConnection)).one()
                tokens.append(connections_svc.access_token(s, cipher, registry.get(c.bank_code), c))
        except Exception as exc:  # collected for the caller to assert on
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return tokens, errors


def two_accounts_on_one_login(user, sandbox, db) -> tuple[int, int]:
    """A synced account and a second one linked to one more bank-side account of the same
    consent, both synced; the consent still sees a third account nobody linked."""
    a_id, a_remote = link_first(user, sandbox, db)
    user.sync(a_id)
    assert user.wait_state(a_id, "done") == "done"
    other = [r for r in remotes(db) if r.id != a_remote.id][0]
    b_id = user.register("0001", name="B口座")
    user.post(f"/accounts/{a_id}/troubleshooting", {"remote": [str(other.id)]})
    user.post(f"/accounts/{b_id}/settings/login", {"source_account": str(a_id)})
    user.post(f"/accounts/{b_id}/settings", {"name": "B口座", "period_start": ""})
    assert user.wait_state(b_id, "done", "failed") == "done"
    return a_id, b_id


def row_of(home: str, account_id: int) -> str:
    """One account's row on the home page."""
    row = home[home.index(f'id="account-{account_id}"'):]
    return row[:row.index("</article>")]
