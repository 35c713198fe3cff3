"""Many accounts on a real deployment (tests/support/deployment.py) against the sandbox bank,
for the multi-process test and bench/scale_out.py.

The sandbox serves volume users vol00001… with `per_login` accounts each at bank 0001. Each
login is one office that consents once through the portal's pages (sign-up, register, the
bank's consent, the first sync listing the bank-side accounts); its other accounts are then
added with the portal's own services, as 「他の口座のログイン情報を利用する」 would, rather
than through one page visit each.
"""
from __future__ import annotations

import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from portal.models import Account, RemoteAccount, Statement, SyncRun
from portal.models.vocabulary import SyncMethod
from portal.services import accounts as accounts_svc
from portal.services import sync_queue
from tests.integration.lifetime_helpers import truth
from tests.support.deployment import Deployment
from tests.support.flows import PortalUser
from tests.support.live_portal import bank_connections
from tests.support.sandbox_server import SandboxServer, start_sandbox

BANK = "0001"


@dataclass(frozen=True)
class ScaleAccount:
    office_id: int
    account_id: int
    remote_id: str


class Site:
    """What PortalUser needs of a portal: an HTTP client on its URL."""

    def __init__(self, url: str):
        self.url = url

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=60)


def volume_sandbox(folder: Path, *, logins: int, per_login: int, statements: int) -> SandboxServer:
    volume = {"users": logins, "accounts": per_login, "statements": statements, "seed": 11,
              "banks": [BANK]}
    return start_sandbox(folder, config={"VOLUME": volume})


@contextmanager
def bank_profile(sandbox: SandboxServer, *, delay: float, requests: int, per_seconds: int):
    """Every API call of the bank slowed by `delay` (as a distant bank answers) and limited to
    `requests` per `per_seconds` for our client; the limiter's counts start from zero."""
    sandbox.admin("PATCH", f"/banks/{BANK}/_sandbox/profile", json={
        "rate_limit": {"requests": requests, "per_seconds": per_seconds},
        "one_grant_per_user": True}).raise_for_status()
    sandbox.admin("DELETE", f"/banks/{BANK}/_sandbox/rate-limit").raise_for_status()
    if delay:
        sandbox.admin("POST", f"/banks/{BANK}/_sandbox/faults",
                      json={"mode": "slow", "delay": delay}).raise_for_status()
    try:
        yield
    finally:
        sandbox.admin("DELETE", f"/banks/{BANK}/_sandbox/faults")


def over_limit(sandbox: SandboxServer, client_id: str) -> tuple[int, int]:
    """(calls let through, calls the bank refused for its rate limit) of our client."""
    counts = sandbox.admin("GET", f"/banks/{BANK}/_sandbox/rate-limit").json()["clients"]
    mine = counts.get(client_id, {"allowed": 0, "over_limit": 0})
    return mine["allowed"], mine["over_limit"]


def deployment(folder: Path, sandbox: SandboxServer, database_url: str, *, rate_limit: dict,
               web_workers: int = 2, **settings) -> Deployment:
    """A deployment on `database_url`, registered at the sandbox as its own OAuth client and
    knowing the bank's rate limit (`rate_limit` in its bank configuration)."""
    from portal.crypto import generate_key

    client_id, secret = f"scale-{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    dep = Deployment(folder, {
        "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(16), "TOKEN_KEYS": generate_key(),
        "BANK_CONNECTIONS": bank_connections(sandbox, client_id, secret, rate_limit=rate_limit),
        "SIGNUP_ADDRESS_LIMIT": "1000 per hour", **settings}, web_workers=web_workers)
    sandbox.register_client(client_id=client_id, client_secret=secret,
                            redirect_uris=[f"{dep.url}/oauth/callback"], name="つなぐ (scale)")
    dep.client_id = client_id
    return dep


def link_login(url: str, engine: Engine, index: int) -> list[ScaleAccount]:
    """One office consenting as volume user #index; every bank-side account it sees becomes
    an account of the office mapped to it."""
    user = PortalUser(Site(url), email=f"scale{index}@example.jp").signup(office=f"規模{index}商店")
    first_id = user.register(BANK)
    assert user.consent(first_id, login=f"vol{index + 1:05d}").status_code == 303
    user.sync(first_id)
    assert user.wait_state(first_id, "needs_selection", timeout=120) == "needs_selection"
    out = []
    with Session(engine, expire_on_commit=False) as s:
        first = s.get(Account, first_id)
        remotes = s.exec(select(RemoteAccount).where(RemoteAccount.connection_id == first.connection_id)
                         .order_by(RemoteAccount.id)).all()
        for n, remote in enumerate(remotes):
            account = first if n == 0 else Account(
                office_id=first.office_id, name=f"口座{n}", bank_code=BANK, kind=first.kind,
                sync_method=SyncMethod.API, connection_id=first.connection_id)
            s.add(account)
            s.commit()
            accounts_svc.map_remote(s, account, remote.id)
            out.append(ScaleAccount(first.office_id, account.id, remote.remote_id))
    return out


def request_all(engine: Engine, accounts: list[ScaleAccount]) -> dict[int, int]:
    """[今すぐ同期] for every account (the service the button calls): {account id: run id}."""
    runs = {}
    with Session(engine, expire_on_commit=False) as s:
        for acc in accounts:
            account = accounts_svc.get_account(s, acc.office_id, acc.account_id)
            runs[acc.account_id] = sync_queue.request_sync(s, account, trigger="user").id
    return runs


def unfinished(engine: Engine, run_ids) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(SyncRun).where(
            SyncRun.id.in_(list(run_ids)), SyncRun.state.in_(("queued", "running")))).one()


def compare_with_bank(engine: Engine, sandbox: SandboxServer, accounts: list[ScaleAccount],
                      runs: dict[int, int]) -> list[str]:
    """Problems found: a ledger that is not the bank's, a run whose rows were counted or
    inserted twice, an account with other runs than requested."""
    problems = []
    with Session(engine) as s:
        for acc in accounts:
            run = s.get(SyncRun, runs[acc.account_id])
            bank = truth(sandbox, BANK, acc.remote_id, run.date_from)
            rows = s.exec(select(Statement.dedupe_key, Statement.amount, Statement.sync_run_id)
                          .where(Statement.account_id == acc.account_id)).all()
            keys = [k for k, _, _ in rows]
            if len(keys) != len(set(keys)):
                problems.append(f"account {acc.account_id}: a statement stored twice")
            if {k: a for k, a, _ in rows} != bank:
                problems.append(f"account {acc.account_id}: ledger differs from the bank")
            if run.state != "done":
                problems.append(f"run {run.id}: {run.state} {run.error_code}")
            inserted = sum(1 for *_, r in rows if r == run.id)
            if not run.fetched == len(bank) == run.added + run.skipped or inserted != run.added:
                problems.append(f"run {run.id}: fetched {run.fetched} added {run.added} skipped "
                                f"{run.skipped} inserted {inserted}, bank {len(bank)}")
            others = s.exec(select(func.count()).select_from(SyncRun).where(
                SyncRun.account_id == acc.account_id, SyncRun.id > run.id)).one()
            if others:
                problems.append(f"account {acc.account_id}: {others} runs after the requested one")
    return problems
