"""Benchmark: our sync of N statements against the machine's limit, on SQLite and PostgreSQL.

For each database and each N, in one run:
- ours: a portal syncs one sandbox account holding N statements (`run_pending`, the real
  client, adapters, upsert and per-page commits), in a process that has synced before, as a
  worker has (a 120-row account first; `--cold`: a new process's first sync);
- raw: the same pages fetched with one plain httpx.Client, decoded with `json`, written with
  the driver's executemany (sqlite3 / psycopg, INSERT ... ON CONFLICT DO NOTHING) into a
  table with the same columns and unique key, committed per page as the sync does (on
  SQLite with the portal's journal and sync settings);
- raw with our indexes: the same into a table that also has the statement table's other
  indexes (OUR_INDEXES), so the two ratios tell the indexes' cost from our code's.

With --index-costs, also what each of those indexes costs: the pages, held in memory,
inserted with all of them, with none and with all but each one (the insert alone, seven
times, medians).

Prints seconds, rows/s, this process's CPU seconds, the ratios raw/ours (1.0: at the
limit) of wall time and of CPU time, and the peak RSS growth of each phase (the process's
high-water mark is reset before each phase through /proc/self/clear_refs). Asserts nothing
about speed. Run: `python bench/ingest_limit.py --database both --statements 20000,100000
--rounds 5` (the last lines give each ratio's median over the rounds).
For old-vs-new, run this same file inside an export of an older commit (`git archive`).
"""
import argparse
import gc
import json
import logging
import resource
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.jobs import run_pending  # noqa: E402
from tests.support.flows import PortalUser  # noqa: E402
from tests.support.live_portal import LateApp, LivePortal, bank_connections  # noqa: E402
from tests.support.portal_config import portal_config  # noqa: E402
from tests.support.postgres import fresh_database  # noqa: E402
from tests.support.sandbox_server import start_sandbox  # noqa: E402

RAW_TABLE = """CREATE TABLE raw_statement (
    id {pk}, office_id INTEGER NOT NULL, account_id INTEGER NOT NULL,
    transaction_date DATE NOT NULL, value_date DATE, amount BIGINT NOT NULL,
    description VARCHAR(500) NOT NULL, description_norm VARCHAR(500) NOT NULL,
    balance_after BIGINT, balance_derived BOOLEAN NOT NULL, memo VARCHAR(500) NOT NULL,
    source VARCHAR(10) NOT NULL, dedupe_key VARCHAR(200) NOT NULL, sync_run_id INTEGER,
    import_id INTEGER, created_at TIMESTAMP NOT NULL, txid BIGINT NOT NULL DEFAULT {txid},
    UNIQUE (account_id, dedupe_key))"""
# statement.txid's default on each database (migration 0013): the change feed's order.
TXID_DEFAULT = {"sqlite": "0", "postgresql": "(pg_current_xact_id()::text::bigint)"}
RAW_INSERT = ("INSERT INTO raw_statement (office_id, account_id, transaction_date, value_date, "
              "amount, description, description_norm, balance_after, balance_derived, memo, "
              "source, dedupe_key, sync_run_id, import_id, created_at) VALUES ({marks}) "
              "ON CONFLICT DO NOTHING")


def _kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


@contextmanager
def rss_growth(out: dict):
    """Peak RSS during the block minus RSS before it, in MiB (Linux: VmHWM reset by clear_refs)."""
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")
        reset = True
    except OSError:
        reset = False
    before, cpu = _kib("VmRSS"), _cpu()
    yield
    out["rss"] = (_kib("VmHWM") - before) / 1024 if reset else float("nan")
    out["cpu"] = _cpu() - cpu


def _cpu() -> float:
    """CPU seconds of this process (its threads too): on a busy machine a fairer figure of
    the work than the wall clock, which also counts the waits for a core."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _portal(tmp: Path, sandbox, database_url: str):
    late = LateApp()
    server = make_server("127.0.0.1", 0, late, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    sandbox.register_client(client_id=f"bench-{tmp.name}", client_secret="bench-secret",
                            redirect_uris=[f"{url}/oauth/callback"], name="bench")
    cfg = portal_config(tmp, DATABASE_URL=database_url,
                        BANK_CONNECTIONS=bank_connections(sandbox, f"bench-{tmp.name}", "bench-secret"))
    late.app = app = create_app(cfg, instance_path=str(tmp / "instance"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, url, server


def warm_up(app, user: PortalUser) -> None:
    """What a worker has done before: one sync of a small account (the demo login's 120-row
    account, chosen as the account selection does: accounts.map_remote). Per-process costs,
    such as compiling the sync's SQL into the engine's cache (about 7 % of a new process's
    20,000-row sync), are then paid here, not in the sync measured."""
    from sqlmodel import Session, select

    from portal.models import Account, RemoteAccount, SyncRun
    from portal.services.accounts import map_remote

    account_id = user.register("0001")
    user.consent(account_id, login="yamada")
    user.post(f"/accounts/{account_id}/sync")
    run_pending(app)  # three bank-side accounts: the run ends needs_selection
    with Session(app.extensions["db_engine"]) as s:
        account = s.get(Account, account_id)
        remote_id = s.exec(select(RemoteAccount.id).where(
            RemoteAccount.connection_id == account.connection_id,
            RemoteAccount.account_type_code == "02")).one()
        map_remote(s, account, remote_id)  # commits
    user.post(f"/accounts/{account_id}/sync")
    run_pending(app)
    with Session(app.extensions["db_engine"]) as s:
        run = s.exec(select(SyncRun).where(SyncRun.account_id == account_id)
                     .order_by(SyncRun.id.desc())).first()
        assert run.state == "done" and run.added > 0, (run.state, run.added)


def ours(tmp: Path, sandbox, database_url: str, cold: bool = False) -> dict:
    """One first sync through the portal; returns figures and what the raw loop needs."""
    from sqlmodel import Session, func, select

    from portal.models import Account, BankConnection, RemoteAccount, Statement, SyncRun
    from portal.services.connections import access_token
    app, url, server = _portal(tmp, sandbox, database_url)
    try:
        user = PortalUser(LivePortal(app, url, f"bench-{tmp.name}")).signup()
        if not cold:
            warm_up(app, user)
        account_id = user.register("0001")
        user.consent(account_id, login="vol00001")
        user.post(f"/accounts/{account_id}/sync")
        out: dict = {}
        with rss_growth(out):
            t0 = time.perf_counter()
            run_pending(app)
            out["seconds"] = time.perf_counter() - t0
        engine = app.extensions["db_engine"]
        with Session(engine) as s:
            account = s.get(Account, account_id)
            run = s.exec(select(SyncRun).where(SyncRun.account_id == account_id)
                         .order_by(SyncRun.id.desc())).first()
            rows = s.exec(select(func.count()).select_from(Statement)
                          .where(Statement.account_id == account_id)).one()
            conn = s.get(BankConnection, account.connection_id)
            bank = app.extensions["bank_registry"].get(account.bank_code)
            token = access_token(s, app.extensions["token_cipher"], bank, conn)
            remote = s.get(RemoteAccount, account.remote_account_id)
            out.update(rows=rows, state=run.state, fetched=run.fetched, added=run.added,
                       count=account.statement_count, api_base=bank.api_base, token=token,
                       remote_id=remote.remote_id, date_from=run.date_from, date_to=run.date_to,
                       office_id=account.office_id, account_id=account_id)
        engine.dispose()
        return out
    finally:
        server.shutdown()


# The indexes the statement table carries besides its key and unique key (the pages and the
# bookkeeping inbox read through them); `raw(..., indexes=OUR_INDEXES)` gives the raw table the
# same, to tell what the indexes cost from what our code costs.
OUR_INDEXES = (
    "CREATE INDEX raw_account_date ON raw_statement (account_id, transaction_date, id)",
    "CREATE INDEX raw_balance ON raw_statement (account_id, transaction_date, id) "
    "WHERE balance_after IS NOT NULL AND source <> 'api'",
    "CREATE INDEX raw_office_date ON raw_statement (office_id, transaction_date, id)",
    "CREATE INDEX raw_office_norm ON raw_statement (office_id, description_norm, id, amount)",
    "CREATE INDEX raw_feed ON raw_statement (office_id, txid, id)",
)


def _raw_table(database: str, db_target, indexes: tuple[str, ...]):
    """A connection to the database with a fresh raw_statement carrying `indexes`, and the
    insert statement for it."""
    if database == "sqlite":
        conn = sqlite3.connect(db_target)
        # The portal's durability (db.make_engine): WAL, no fsync per commit. SQLite's own
        # default would add one per page, which the portal does not pay.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("DROP TABLE IF EXISTS raw_statement")
        conn.execute(RAW_TABLE.format(pk="INTEGER PRIMARY KEY", txid=TXID_DEFAULT[database]))
        insert = RAW_INSERT.format(marks=", ".join("?" * 15))
    else:
        import psycopg
        conn = psycopg.connect(db_target)
        conn.execute("DROP TABLE IF EXISTS raw_statement")
        conn.execute(RAW_TABLE.format(pk="SERIAL PRIMARY KEY", txid=TXID_DEFAULT[database]))
        insert = RAW_INSERT.format(marks=", ".join(["%s"] * 15))
    for ddl in indexes:
        conn.execute(ddl)
    conn.commit()
    return conn, insert


def _batch(job: dict, page: dict) -> list[tuple]:
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    return [(job["office_id"], job["account_id"], t["transactionDate"], t.get("valueDate"),
             int(t["amount"]) * (1 if t["transactionType"] == "1" else -1),
             # description_norm: the text itself, so the raw table's norm index holds keys
             # as varied and as long as ours does.
             t.get("remarks", ""), t.get("remarks", ""),
             int(t["balance"]) if "balance" in t else None, False, "", "api",
             "api:" + t["itemKey"], None, None, now)
            for t in page["transactions"]]


def _pages(job: dict) -> Iterator[dict]:
    """The bank's pages for the job's window, decoded, with one plain httpx.Client."""
    url = job["api_base"] + "/personal/v1/accounts/transactions"
    params = {"accountId": job["remote_id"], "dateFrom": job["date_from"].isoformat(),
              "dateTo": job["date_to"].isoformat()}
    headers = {"x-access-token": job["token"], "Accept": "application/json"}
    with httpx.Client(timeout=30) as http:
        while True:
            response = http.get(url, params=params, headers=headers)
            response.raise_for_status()
            page = json.loads(response.content)
            yield page
            if not page.get("hasNext"):
                return
            params["nextItemKey"] = page["nextItemKey"]


def raw(database: str, db_target, job: dict, indexes: tuple[str, ...] = ()) -> dict:
    """The limit: plain HTTP + json + the driver's executemany, one commit per page."""
    conn, insert = _raw_table(database, db_target, indexes)
    out, rows = {}, 0
    with rss_growth(out):
        t0 = time.perf_counter()
        for page in _pages(job):
            batch = _batch(job, page)
            conn.cursor().executemany(insert, batch)
            conn.commit()
            rows += len(batch)
        out["seconds"] = time.perf_counter() - t0
    conn.close()
    out["rows"] = rows
    return out


def index_costs(database: str, db_target, job: dict, rounds: int = 7) -> dict[str, float]:
    """What OUR_INDEXES cost at ingest: the pages' batches, held in memory, inserted page by
    page (a commit each) into the raw table with all of them, with none, and with all but
    each one, `rounds` times interleaved. Returns the median seconds with all ("all"), the
    difference all − none ("indexes"), and all − (all but one) by index name. The insert
    alone is timed: the bank's answer time would hide differences of this size."""
    batches = [_batch(job, page) for page in _pages(job)]
    sets = {"all": OUR_INDEXES, "none": ()} | {
        ddl.split()[2]: tuple(d for d in OUR_INDEXES if d != ddl) for ddl in OUR_INDEXES}
    timed: dict[str, list[float]] = {name: [] for name in sets}
    for _ in range(rounds):
        for name, indexes in sets.items():
            conn, insert = _raw_table(database, db_target, indexes)
            t0 = time.perf_counter()
            for batch in batches:
                conn.cursor().executemany(insert, batch)
                conn.commit()
            timed[name].append(time.perf_counter() - t0)
            conn.close()
    every = statistics.median(timed["all"])
    return {"all": every} | {"indexes" if name == "none" else name: every - statistics.median(t)
                             for name, t in timed.items() if name != "all"}


def scenario(database: str, n: int, sandbox, tmp: Path, with_costs: bool = False,
             cold: bool = False) -> dict:
    tmp.mkdir(parents=True)
    with ExitStack() as stack:
        if database == "sqlite":
            path = tmp / "portal.sqlite"
            url, raw_target = f"sqlite:///{path}", str(path)
        else:
            url = stack.enter_context(fresh_database())
            raw_target = url.replace("postgresql+psycopg://", "postgresql://")
        mine = ours(tmp, sandbox, url, cold)
        limit = raw(database, raw_target, mine)
        like = raw(database, raw_target, mine, indexes=OUR_INDEXES)
        costs = index_costs(database, raw_target, mine) if with_costs else {}
    exact = (str(mine["state"]), mine["fetched"], mine["added"], mine["count"], mine["rows"])
    print(f"{database:<10} {n:>7}  ours {mine['seconds']:7.2f} s {mine['rows'] / mine['seconds']:>7,.0f}/s"
          f" cpu {mine['cpu']:6.2f} s | raw {limit['seconds']:6.2f} s"
          f" {limit['rows'] / limit['seconds']:>7,.0f}/s cpu {limit['cpu']:6.2f} s"
          f" | ratio wall {limit['seconds'] / mine['seconds']:4.2f} cpu {limit['cpu'] / mine['cpu']:4.2f}"
          f" | raw with our indexes {like['seconds']:6.2f} s,"
          f" ratio wall {like['seconds'] / mine['seconds']:4.2f}"
          f" | RSS growth ours {mine['rss']:4.1f} MiB raw {limit['rss']:4.1f} MiB"
          f" | state, fetched, added, statement_count, rows = {exact}", flush=True)
    if costs:
        print(f"{'':18}  inserting the pages (medians of 7): with our indexes "
              f"{costs['all'] * 1000:.0f} ms, of which the indexes {costs['indexes'] * 1000:.0f} ms; "
              "each one (all, less all but it): " + ", ".join(
                  f"{name} {cost * 1000:.0f} ms" for name, cost in costs.items()
                  if name not in ("all", "indexes"))
              + " (raw_balance takes no row from a bank: its figure is the others' noise)", flush=True)
    return {"wall": limit["seconds"] / mine["seconds"], "cpu": limit["cpu"] / mine["cpu"],
            "indexes": like["seconds"] / mine["seconds"]}


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--statements", default="20000,100000", help="comma-separated sizes")
    ap.add_argument("--rounds", type=int, default=1,
                    help="sync and raw loops this many times per database and size (the "
                         "machine's other work moves a single ratio by a tenth or more); "
                         "the summary gives each ratio's median")
    ap.add_argument("--index-costs", action="store_true",
                    help="also insert the pages (held in memory) into the raw table with all "
                         "of our indexes, none, and all but each one, seven times: what "
                         "each index costs at ingest")
    ap.add_argument("--cold", action="store_true",
                    help="measure the first sync of a new process (no small sync before it)")
    args = ap.parse_args()
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    base = Path(tempfile.mkdtemp(prefix="tsunagu-ingest-"))
    ratios: dict[tuple[str, int], list[dict]] = {}
    for n in [int(x) for x in args.statements.split(",")]:
        volume = {"users": 1, "accounts": 1, "statements": n, "seed": 7}
        sandbox = start_sandbox(base / f"bank{n}", config={"VOLUME": volume, "PAGE_SIZE": 500,
                                                      "RATE_LIMIT": {"requests": 10**6, "per_seconds": 1}},
                                timeout=120)
        try:
            for r in range(args.rounds):  # interleaved, so a slow minute touches every case
                for database in databases:
                    ratios.setdefault((database, n), []).append(
                        scenario(database, n, sandbox, base / f"{database}{n}-{r}",
                                 args.index_costs, args.cold))
        finally:
            sandbox.stop()
    state = ("the first sync of a new process" if args.cold
             else "a worker that has synced before (a 120-row account first)")
    print(f"median of {args.rounds} round(s), raw / ours (1.0: at the limit); ours: {state}:")
    for (database, n), found in ratios.items():
        mid = {k: statistics.median(f[k] for f in found) for k in ("wall", "cpu", "indexes")}
        each = " ".join(f"{f['wall']:.2f}" for f in found)
        print(f"  {database:<10} {n:>7}  wall {mid['wall']:4.2f}  cpu {mid['cpu']:4.2f}"
              f"  | raw with our indexes, wall {mid['indexes']:4.2f}  | wall per round {each}")


if __name__ == "__main__":
    main()
