"""Benchmark: CPU per sync of a small account, and sync throughput against a slow bank.

N small accounts (a few statement pages each) at the sandbox bank, synced over real HTTP.

1. CPU: every account synced in this thread (`run_pending`); CPU time of the process (the
   sync's page-fetching thread included) divided by the syncs. First sync (the account's
   history, a few pages), then repeat syncs (the overlap window) twice: `fresh client`
   gives every bank call its own httpx.Client (how the portal worked before one client per
   worker), `shared client` is the portal as it is (SyncContext.client: one pooled client
   per bank for the worker's life). The sandbox's server closes every connection, so the
   figures hold the connect but no TLS handshake.
2. Throughput: the bank answers every API call after `--latency` seconds (the sandbox's
   `slow` fault); the jobs.SyncDispatcher with SYNC_WORKERS threads syncs every account.
   Accounts/min is compared with the bound latency and concurrency set:
   threads × 60 / (requests per sync × latency), and with the raw limit measured in the
   same run: as many threads, each sending a repeat sync's bank requests (accounts list,
   balance, statements of the same window) over one shared httpx.Client and reading them
   with json.loads, with no database. The bank's own time per answer counts in both.

Prints figures and ratios; asserts nothing about speed.

    python bench/sync_cpu.py --accounts 100 [--workers 4] [--latency 0.1] [--database postgresql]
"""
import argparse
import json
import logging
import math
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from sqlmodel import Session, func, select
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.banks.adapters import for_dialect  # noqa: E402
from portal.banks.client import BankClient, shared_http  # noqa: E402
from portal.jobs import SyncDispatcher, run_pending  # noqa: E402
from portal.models import (  # noqa: E402
    Account,
    BankCallCount,
    BankConnection,
    RemoteAccount,
    SyncRun,
)
from portal.models.vocabulary import ACTIVE_SYNC_STATES, SyncTrigger  # noqa: E402
from portal.services import sync_queue  # noqa: E402
from portal.services.connections import access_token  # noqa: E402
from tests.support.flows import PortalUser, wait_for  # noqa: E402
from tests.support.live_portal import LateApp, LivePortal, bank_connections  # noqa: E402
from tests.support.portal_config import portal_config  # noqa: E402
from tests.support.postgres import fresh_database  # noqa: E402
from tests.support.sandbox_server import start_sandbox  # noqa: E402

BANK = "0001"


def link_accounts(app, user: PortalUser, count: int, per_login: int) -> list[int]:
    """One consent per sandbox user; its first sync lists the bank-side accounts, then one
    portal account per bank-side account is written straight to the database (set-up, not
    measured)."""
    engine, ids = app.extensions["db_engine"], []
    for login_no in range(math.ceil(count / per_login)):
        first = user.register(BANK)
        user.consent(first, login=f"vol{login_no + 1:05d}")
        user.sync(first)
        run_pending(app)  # several bank-side accounts: the run ends needs_selection
        with Session(engine) as s:
            acc = s.get(Account, first)
            remotes = s.exec(select(RemoteAccount).where(
                RemoteAccount.connection_id == acc.connection_id).order_by(RemoteAccount.id)).all()
            for i, remote in enumerate(remotes[:count - len(ids)]):
                target = acc if i == 0 else Account(
                    office_id=acc.office_id, name=f"口座{len(ids) + 1}", bank_code=BANK,
                    kind=acc.kind, sync_method=acc.sync_method, connection_id=acc.connection_id)
                target.remote_account_id, target.currency = remote.id, remote.currency
                remote.linked = True
                s.add_all([target, remote])
                s.flush()
                ids.append(target.id)
            s.commit()
    return ids


def queue_all(engine, ids: list[int]) -> None:
    with Session(engine) as s:
        for account_id in ids:
            sync_queue.request_sync(s, s.get(Account, account_id), trigger=SyncTrigger.USER)


def calls_made(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.coalesce(func.sum(BankCallCount.calls), 0))).one()


def cpu_per_sync(app, ids: list[int], fresh_client: bool) -> tuple[float, float]:
    """(CPU ms per sync, bank requests per sync), the syncs run in this thread."""
    engine = app.extensions["db_engine"]
    queue_all(engine, ids)
    before_calls = calls_made(engine)
    original = BankClient.__init__
    if fresh_client:  # drop the shared client: a new httpx.Client for every call
        def fresh(self, *args, http=None, **kw):
            original(self, *args, **kw)
        BankClient.__init__ = fresh
    try:
        # The process's CPU, not this thread's: a sync fetches and parses its pages on a
        # thread of its own (prefetch.ahead), which this thread's clock would leave out.
        # Nothing else in this process works meanwhile (the portal's server thread idles).
        t0 = time.process_time()
        done = run_pending(app)
        cpu = time.process_time() - t0
    finally:
        BankClient.__init__ = original
    assert done == len(ids), f"{done} syncs ran, {len(ids)} queued"
    return cpu * 1000 / done, (calls_made(engine) - before_calls) / done


def throughput(app, ids: list[int]) -> float:
    """Accounts per minute through the dispatcher and its threads."""
    engine = app.extensions["db_engine"]
    dispatcher = SyncDispatcher(app)
    queue_all(engine, ids)

    def left() -> int:
        with Session(engine) as s:
            return s.exec(select(func.count()).select_from(SyncRun).where(
                SyncRun.state.in_(ACTIVE_SYNC_STATES))).one()

    t0 = time.perf_counter()
    try:
        dispatcher.start()  # its threads claim the next due run as each one ends
        wait_for(lambda: left() == 0, timeout=900, interval=0.05, message="every sync done")
        elapsed = time.perf_counter() - t0
    finally:
        dispatcher.shutdown()  # closes the context's shared clients too
    return len(ids) * 60 / elapsed


def repeat_requests(app, ids: list[int]) -> list[list]:
    """Per account, the bank requests its repeat sync sends (the last run's window), with a
    valid token: read before the raw loop is timed."""
    engine, registry = app.extensions["db_engine"], app.extensions["bank_registry"]
    cipher = app.extensions["token_cipher"]
    found = []
    with Session(engine) as s:
        for account_id in ids:
            account = s.get(Account, account_id)
            conn = s.get(BankConnection, account.connection_id)
            remote = s.get(RemoteAccount, account.remote_account_id)
            run = s.exec(select(SyncRun).where(SyncRun.account_id == account_id)
                         .order_by(SyncRun.id.desc()).limit(1)).one()
            bank = registry.get(account.bank_code)
            adapter, token = for_dialect(bank.dialect), access_token(s, cipher, bank, conn)
            found.append([
                adapter.accounts_request(bank.api_base, token, bank.client_id),
                adapter.balances_request(bank.api_base, token, bank.client_id, remote.remote_id),
                adapter.transactions_request(bank.api_base, token, bank.client_id,
                                             remote.remote_id, run.date_from, run.date_to)])
        s.commit()  # a token refreshed on the way is kept
    return found


def raw_throughput(requests: list[list], threads: int) -> float:
    """Accounts per minute for the bare loop: `threads` threads, one shared httpx.Client,
    each taking the next account's requests and reading every answer with json.loads."""
    pending = list(reversed(requests))
    lock, failures = threading.Lock(), []
    http = shared_http(15.0, threads)

    def work() -> None:
        while True:
            with lock:
                if not pending:
                    return
                mine = pending.pop()
            for r in mine:
                response = http.request(r.method, r.url, params=r.params, headers=r.headers)
                if response.status_code != 200:
                    failures.append(response.status_code)
                json.loads(response.content)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    t0 = time.perf_counter()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    elapsed = time.perf_counter() - t0
    http.close()
    assert not failures, f"the raw loop's requests failed: {failures[:5]}"
    return len(requests) * 60 / elapsed


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=100)
    ap.add_argument("--statements", type=int, default=60, help="per account")
    ap.add_argument("--page-size", type=int, default=25)
    ap.add_argument("--per-login", type=int, default=5,
                    help="bank accounts one consent sees (each sync lists them all)")
    ap.add_argument("--latency", type=float, default=0.1, help="seconds per bank API call")
    ap.add_argument("--workers", type=int, default=4, help="SYNC_WORKERS")
    ap.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-") as folder, ExitStack() as stack:
        tmp = Path(folder)
        if not 1 <= args.per_login <= 99:  # the sandbox's limit per user
            ap.error("--per-login must be within 1..99")
        logins = math.ceil(args.accounts / args.per_login)
        volume = {"users": logins, "accounts": min(args.accounts, args.per_login),
                  "statements": args.statements, "seed": 7, "banks": [BANK]}
        sandbox = stack.enter_context(start_sandbox(tmp / "bank", config={"VOLUME": volume}))
        sandbox.admin("PATCH", f"/banks/{BANK}/_sandbox/profile", json={
            "page_size": args.page_size, "rate_limit": {"requests": 100000, "per_seconds": 1},
            "one_grant_per_user": False}).raise_for_status()
        late = LateApp()
        server = make_server("127.0.0.1", 0, late, threaded=True)
        url = f"http://127.0.0.1:{server.server_port}"
        sandbox.register_client(client_id="bench", client_secret="bench-secret",
                                redirect_uris=[f"{url}/oauth/callback"], name="bench")
        settings = {"BANK_CONNECTIONS": bank_connections(sandbox, "bench", "bench-secret"),
                    "SYNC_WORKERS": args.workers}
        if args.database == "postgresql":
            settings["DATABASE_URL"] = stack.enter_context(fresh_database())
        late.app = app = create_app(portal_config(tmp, **settings),
                                    instance_path=str(tmp / "instance"))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stack.callback(server.shutdown)
        stack.callback(app.extensions["db_engine"].dispose)

        user = PortalUser(LivePortal(app, url, "bench")).signup()
        ids = link_accounts(app, user, args.accounts, args.per_login)
        first_ms, first_requests = cpu_per_sync(app, ids, fresh_client=False)  # history
        fresh_ms, requests = cpu_per_sync(app, ids, fresh_client=True)
        shared_ms, _ = cpu_per_sync(app, ids, fresh_client=False)
        print(f"accounts                 {len(ids)} ({args.statements} statements each, "
              f"pages of {args.page_size}, {args.per_login} per consent); {args.database}")
        print(f"first sync (history)     {first_ms:6.1f} ms CPU, {first_requests:.1f} bank "
              "requests (shared client)")
        print(f"repeat sync: bank requests per sync {requests:.1f}")
        print(f"CPU per sync, fresh client per call   {fresh_ms:6.1f} ms")
        print(f"CPU per sync, shared client (portal)  {shared_ms:6.1f} ms   "
              f"ratio fresh/shared {fresh_ms / shared_ms:.2f}")

        sandbox.admin("POST", f"/banks/{BANK}/_sandbox/faults",
                      json={"mode": "slow", "delay": args.latency}).raise_for_status()
        rate = throughput(app, ids)
        raw = raw_throughput(repeat_requests(app, ids), args.workers)
        bound = args.workers * 60 / (requests * args.latency)
        print(f"throughput at {args.latency * 1000:.0f} ms latency, {args.workers} threads   "
              f"{rate:6.0f} accounts/min; bound {bound:.0f}/min "
              f"(threads × 60 / (requests × latency)); ratio {rate / bound:.2f}")
        print(f"raw loop, same requests and threads, no database   {raw:6.0f} accounts/min; "
              f"ratio ours/raw {rate / raw:.2f}")


if __name__ == "__main__":
    main()
