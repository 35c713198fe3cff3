"""Benchmark: the home page's sync-status polling against a bare Flask endpoint, same server.

A real portal with one signed-in office of N accounts, some of them syncing (queued runs
nobody works off, so nothing changes while it is measured), served by
- werkzeug, threaded (the demo's server), in this process: CPU and SQL per request measured
  here; and
- gunicorn with deploy/gunicorn.conf.py (the production web layout: --web-workers
  processes, one request at a time each; tests/support/deployment.py starts it), on the same
  database: CPU read from the workers' /proc entries, SQL not counted.
Client threads in a separate process hammer, one endpoint at a time for a fixed time:

  bare            GET of an endpoint that returns "ok", added to the app for this run only
  bare signed in  the same with the session cookie (the app's hooks then load the user)
  old per-row     GET /accounts/<id>/status, which each syncing row used to poll
  poll unchanged  GET /sync-status with the page's current row tokens: 204
  poll changed    GET /sync-status with one stale token: that row out of band

Prints, per server, requests/s, the ratio to the bare endpoint, server CPU and SQL queries
per request, and requests per poll interval for the page. Asserts nothing about speed.
Each database in turn (`--database both`, the default: a new SQLite file, then a fresh
PostgreSQL database, or `--database-url`), and a last line with every ratio of the run.
Run: `python bench/status_polling.py [--accounts 20 --syncing 5 --seconds 5 --threads 4
--server both --database both]`.
"""
import argparse
import http.client
import logging
import multiprocessing
import re
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from sqlalchemy import event
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.permissions import ROUTES, Open  # noqa: E402
from tests.support.deployment import Deployment, cpu_seconds  # noqa: E402
from tests.support.flows import PortalUser  # noqa: E402
from tests.support.live_portal import LateApp, LivePortal  # noqa: E402
from tests.support.portal_config import portal_config  # noqa: E402
from tests.support.postgres import fresh_database  # noqa: E402

HX = {"HX-Request": "true"}


def _hammer(url: str, path: str, headers: dict, expect: int, seconds: float,
            threads: int) -> tuple[int, int]:
    """`threads` loops of GET `path` for `seconds`: (answers with `expect`, other answers)."""
    parts = urlsplit(url)
    counts = []

    def loop():
        ok = bad = 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            conn.close()
            if resp.status == expect:
                ok += 1
            else:
                bad += 1
        counts.append((ok, bad))

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(c[0] for c in counts), sum(c[1] for c in counts)


def _client(jobs, results) -> None:
    """The load generator, in its own process so it does not share the server's GIL."""
    for job in iter(jobs.get, None):
        results.put(_hammer(*job))


class Measure:
    """Server-side CPU and SQL per request, requests/s from a client process; the endpoints
    take turns in short rounds, so a change in the machine's load hits them all alike.
    `cpu()` is the server's CPU seconds so far; `queries()` its SQL statements (or None)."""

    def __init__(self, url, threads, cpu, queries):
        self.url, self.threads, self.cpu, self.queries = url, threads, cpu, queries
        ctx = multiprocessing.get_context("spawn")
        self.jobs, self.results = ctx.Queue(), ctx.Queue()
        self.client = ctx.Process(target=_client, args=(self.jobs, self.results), daemon=True)
        self.client.start()

    def run(self, cases, seconds: float, rounds: int) -> dict:
        totals = {name: [0, 0, 0.0, 0, 0.0] for name, *_ in cases}  # ok, bad, cpu, sql, s
        counted = self.queries() is not None
        for _ in range(rounds):
            for name, path, headers, expect in cases:
                cpu0, q0 = self.cpu(), self.queries() or 0
                self.jobs.put((self.url, path, headers, expect, seconds / rounds, self.threads))
                ok, bad = self.results.get()
                t = totals[name]
                t[0] += ok
                t[1] += bad
                t[2] += self.cpu() - cpu0
                t[3] += (self.queries() or 0) - q0
                t[4] += seconds / rounds
        self.jobs.put(None)
        self.client.join()
        return {name: {"rps": ok / secs, "bad": bad, "cpu_ms": cpu / max(ok + bad, 1) * 1000,
                       "queries": sql / max(ok + bad, 1) if counted else float("nan")}
                for name, (ok, bad, cpu, sql, secs) in totals.items()}


def add_bare(app) -> None:
    app.add_url_rule("/_bench/bare", "bench_bare", lambda: "ok")  # this run only
    ROUTES["bench_bare"] = Open.PUBLIC  # the permission table refuses endpoints it does not name


def gunicorn_app(tmp: str, database_url: str = ""):
    """The portal of this run as gunicorn's workers load it (`status_polling:gunicorn_app(…)`):
    the same settings, database and secret key as the one the session was made on."""
    overrides = {"DATABASE_URL": database_url} if database_url else {}
    app = create_app(portal_config(Path(tmp), **overrides), instance_path=str(Path(tmp) / "instance"))
    add_bare(app)
    return app


def report(title: str, results: dict, args) -> float:
    base, signed = results["bare"], results["bare signed in"]
    print(f"\n[{title}] {args.accounts} accounts, {args.syncing} syncing; {args.threads} client "
          f"threads, {args.seconds:g} s per endpoint")
    print(f"{'endpoint':24} {'req/s':>8} {'× bare':>7} {'× bare signed in':>17} "
          f"{'CPU ms/req':>11} {'SQL/req':>8} {'failed':>7}")
    for name, r in results.items():
        print(f"{name:24} {r['rps']:8.0f} {r['rps'] / base['rps']:7.2f} "
              f"{r['rps'] / signed['rps']:17.2f} {r['cpu_ms']:11.2f} {r['queries']:8.1f} {r['bad']:7d}")
    poll = results["poll unchanged (204)"]
    print(f"server CPU per request, bare / poll unchanged: {base['cpu_ms'] / poll['cpu_ms']:.2f}; "
          f"bare signed in / poll unchanged: {signed['cpu_ms'] / poll['cpu_ms']:.2f}")
    return poll["rps"] / base["rps"]


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=20, help="API accounts on the home page")
    ap.add_argument("--syncing", type=int, default=5, help="of them syncing")
    ap.add_argument("--seconds", type=float, default=5.0, help="per endpoint")
    ap.add_argument("--threads", type=int, default=4, help="client threads")
    ap.add_argument("--rounds", type=int, default=5, help="turns each endpoint takes")
    ap.add_argument("--server", choices=["werkzeug", "gunicorn", "both"], default="both")
    ap.add_argument("--web-workers", type=int, default=4, help="gunicorn worker processes")
    ap.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--database-url", help="PostgreSQL: this database (default: a fresh one)")
    args = ap.parse_args()
    ratios = {}
    for database in ["sqlite", "postgresql"] if args.database == "both" else [args.database]:
        with ExitStack() as stack:
            url = None
            if database == "postgresql":
                url = args.database_url or stack.enter_context(fresh_database())
            ratios[database] = measure(args, url)
    print("\npoll unchanged (204) ÷ bare endpoint: " + "; ".join(
        f"{db} {server} {ratio:.2f}" for db, by_server in ratios.items()
        for server, ratio in by_server.items()))


def measure(args, database_url: str | None) -> dict[str, float]:
    """One portal on `database_url` (None: a new SQLite file), measured in each server:
    the unchanged poll's requests/s over the bare endpoint's, per server."""
    tmp = Path(tempfile.mkdtemp(prefix="tsunagu-bench-"))
    overrides = {"DATABASE_URL": database_url} if database_url else {}
    ratios = {}
    late = LateApp()
    server = make_server("127.0.0.1", 0, late, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    late.app = app = create_app(portal_config(tmp, **overrides), instance_path=str(tmp / "instance"))
    add_bare(app)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        user = PortalUser(LivePortal(app, url, "bench")).signup()
        ids = [user.register("0001", name=f"口座{i}") for i in range(args.accounts)]
        _start_syncs(app, ids[:args.syncing])
        page = user.http.get("/").text
        tokens = re.findall(r'name="row" value="([^"]+)"', page)
        assert len(tokens) == args.syncing, tokens
        cookie = "; ".join(f"{k}={v}" for k, v in user.http.cookies.items())
        # The same User-Agent: the session is bound to it (flask-login's strong protection).
        signed = {"Cookie": cookie, "User-Agent": user.http.headers["User-Agent"]}
        poll = "/sync-status?" + urlencode([("row", t) for t in tokens])
        stale = "/sync-status?" + urlencode([("row", t if i else t.split(".")[0] + ".0")
                                             for i, t in enumerate(tokens)])
        cases = [("bare", "/_bench/bare", {}, 200),
                 ("bare signed in", "/_bench/bare", signed, 200),
                 ("old per-row /status", f"/accounts/{ids[0]}/status", {**signed, **HX}, 200),
                 ("poll unchanged (204)", poll, {**signed, **HX}, 204),
                 ("poll, one row changed", stale, {**signed, **HX}, 200)]
        print(f"database: {app.config['DATABASE_URL'].split(':')[0]}; requests per poll interval "
              f"for the page: before {args.syncing} (one per syncing row), after 1 "
              f"(tests/browser/test_status_polling.py counts them in Chromium)")
        if args.server in ("werkzeug", "both"):
            queries = [0]
            event.listen(app.extensions["db_engine"], "before_cursor_execute",
                         lambda *_a: queries.__setitem__(0, queries[0] + 1))
            m = Measure(url, args.threads, time.process_time, lambda: queries[0])
            ratios["werkzeug"] = report("werkzeug, threaded, this process",
                                        m.run(cases, args.seconds, args.rounds), args)
        if args.server in ("gunicorn", "both"):
            with Deployment(tmp / "gunicorn", {}, web_workers=args.web_workers) as web:
                web.start_web(f"status_polling:gunicorn_app({str(tmp)!r}, {database_url or ''!r})",
                              "--pythonpath", str(ROOT / "bench"))
                web.wait_ready(timeout=60)
                def workers_cpu() -> float:  # gunicorn's workers, not its master
                    return sum(cpu_seconds(pid) for pid in web.web_pids() - {web.web.pid})
                m = Measure(web.url, args.threads, workers_cpu, lambda: None)
                ratios["gunicorn"] = report(f"gunicorn, deploy/gunicorn.conf.py, {args.web_workers} workers",
                                            m.run(cases, args.seconds, args.rounds), args)
    finally:
        server.shutdown()
        app.extensions["db_engine"].dispose()  # a fresh PostgreSQL database is dropped next
    return ratios


def _start_syncs(app, account_ids: list[int]) -> None:
    """Linked accounts with a queued run each; no scheduler runs, so they stay queued."""
    from sqlmodel import Session

    from portal.models import Account, BankConnection, SyncRun

    with Session(app.extensions["db_engine"]) as s:
        for account_id in account_ids:
            account = s.get(Account, account_id)
            conn = BankConnection(office_id=account.office_id, bank_code=account.bank_code)
            s.add(conn)
            s.flush()
            account.connection_id = conn.id
            account.sync_state = "queued"
            s.add(SyncRun(office_id=account.office_id, account_id=account_id, trigger="user"))
        s.commit()


if __name__ == "__main__":
    main()
