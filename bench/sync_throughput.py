"""Benchmark: one sync of a large account over real HTTP, a repeat sync, and the home page.

Prints figures; asserts nothing about speed (machines differ). Run: `make bench`
or `python bench/sync_throughput.py --statements 20000`.
"""
import argparse
import logging
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import event
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.jobs import run_pending  # noqa: E402
from tests.support.flows import PortalUser  # noqa: E402
from tests.support.live_portal import LateApp, LivePortal, bank_connections  # noqa: E402
from tests.support.portal_config import portal_config  # noqa: E402
from tests.support.sandbox_server import start_sandbox  # noqa: E402


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    ap = argparse.ArgumentParser()
    ap.add_argument("--statements", type=int, default=20000)
    ap.add_argument("--accounts", type=int, default=30, help="accounts on the home page")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tsunagu-bench-"))
    volume = {"users": 1, "accounts": 1, "statements": args.statements, "seed": 7}
    sandbox = start_sandbox(tmp / "bank", config={"VOLUME": volume, "PAGE_SIZE": 500})
    late = LateApp()
    server = make_server("127.0.0.1", 0, late, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    sandbox.register_client(client_id="bench", client_secret="bench-secret",
                            redirect_uris=[f"{url}/oauth/callback"], name="bench")
    cfg = portal_config(tmp, BANK_CONNECTIONS=bank_connections(sandbox, "bench", "bench-secret"))
    late.app = app = create_app(cfg, instance_path=str(tmp / "instance"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        user = PortalUser(LivePortal(app, url, "bench")).signup()
        account_id = user.register("0001")
        user.consent(account_id, login="vol00001")
        user.post(f"/accounts/{account_id}/sync")
        t0 = time.perf_counter()
        run_pending(app)
        first = time.perf_counter() - t0
        user.post(f"/accounts/{account_id}/sync")
        t0 = time.perf_counter()
        run_pending(app)
        repeat = time.perf_counter() - t0
        from sqlmodel import Session, func, select

        from portal.models import Statement, SyncRun
        with Session(app.extensions["db_engine"]) as s:
            count = s.exec(select(func.count()).select_from(Statement)).one()
            last = s.exec(select(SyncRun).order_by(SyncRun.id.desc())).first()
        for i in range(args.accounts):
            user.register("0001", kind="manual:personal", name=f"口座{i}")
        queries = []
        event.listen(app.extensions["db_engine"], "before_cursor_execute",
                     lambda *a, **k: queries.append(1))
        t0 = time.perf_counter()
        user.http.get("/")
        home = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"statements synced        {count}")
        print(f"first sync               {first:.2f} s  ({count / first:,.0f} statements/s)")
        print(f"repeat sync              {repeat:.2f} s  (overlap window: fetched {last.fetched}, "
              f"added {last.added})")
        print(f"home page, {args.accounts + 1} accounts   {home * 1000:.0f} ms, {len(queries)} SQL queries")
        print(f"peak RSS (portal+bench)  {rss:.0f} MiB")
    finally:
        server.shutdown()
        sandbox.stop()


if __name__ == "__main__":
    main()
