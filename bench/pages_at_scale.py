"""Benchmark: the pages of one account holding --statements statements, and its CSV export.

For each database (a temporary SQLite file; PostgreSQL when one answers at --postgres, in a
database of its own, dropped afterwards):
1. a portal (create_app + migrations), a user and a manual account through the test client;
2. the statements loaded with the bare driver (sqlite3 executemany / psycopg COPY), 1,000 a
   day with a running balance and three breaks in its chain, plus 300 sync runs;
3. the kept figures built from them (ledger_stats.rebuild_account: what migration 0008 does
   to a ledger that exists), then ANALYZE, as a deployment would after a bulk load, then
   `flask ledger check`'s recount of the account, which must find them equal;
4. EXPLAIN of the list queries (first page, deep keyset page, date-filtered page);
5. p50/p95 over --repeat requests through the Flask test client of: home, the first page,
   a deep keyset page, a date-filtered page, the sync log, and the reconciliation figures
   (count, sum, balance-chain breaks) read through the service; then the first page again
   with the account switched from files to the API, the last 31 days' rows linked to bank
   keys (the page checks that overlap day by day, from the kept day figures, rebuilt after
   the links went in bare);
6. the export through the test client, streamed, against the raw limit measured in the
   same run: one cursor of the bare driver (server-side on PostgreSQL) + csv.writer.
Prints figures and ratios; asserts nothing about speed.

Run: `python bench/pages_at_scale.py --statements 1000000 --database both`.
"""
import argparse
import csv
import io
import logging
import resource
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.models import Account, Statement, SyncRun  # noqa: E402
from portal.services import ledger_stats, statements  # noqa: E402
from portal.services.cutover.switch import OVERLAP_DAYS  # noqa: E402
from tests.support.auth import Auth  # noqa: E402
from tests.support.bulk_rows import insert_rows, pg_dsn  # noqa: E402
from tests.support.portal_config import portal_config  # noqa: E402

PER_DAY = 1000
FIRST_DAY = date(2020, 1, 1)
SHOPS = ("ｺﾝﾋﾞﾆ", "ﾃﾞﾝｷﾀﾞｲ", "ｶ)ﾔﾏﾀﾞｼﾖｳﾃﾝ", "ﾌﾘｺﾐ ｽｽﾞｷ", "ATM", "ｶｰﾄﾞ")
COLUMNS = ("office_id", "account_id", "transaction_date", "value_date", "amount", "description",
           "description_norm", "balance_after", "balance_derived", "memo", "source", "dedupe_key",
           "created_at")
EXPORT_SQL = ("SELECT transaction_date, value_date, amount, description, balance_after, memo "
              "FROM statement WHERE account_id = {p} ORDER BY transaction_date, id")


def ledger(n: int, office_id: int, account_id: int):
    """n rows, oldest first; three rows leave the chain (their balance is off by one)."""
    balance, now = 1_000_000, datetime(2026, 1, 1)
    breaks = {n // 4, n // 2, 3 * n // 4}
    for i in range(n):
        amount = (i * 7919) % 20000 - 9000 or 1
        balance += amount
        shop = SHOPS[i % len(SHOPS)]
        yield (office_id, account_id, FIRST_DAY + timedelta(days=i // PER_DAY), None, amount, shop,
               shop, balance + (1 if i in breaks else 0), False, "", "csv", f"csv:bench{i}", now)


def bulk_load(url: str, n: int, office_id: int, account_id: int) -> float:
    t0 = time.perf_counter()
    insert_rows(url, "statement", COLUMNS, ledger(n, office_id, account_id))
    return time.perf_counter() - t0


def analyze(url: str) -> None:
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.execute("ANALYZE")
        conn.close()
    else:
        import psycopg

        with psycopg.connect(pg_dsn(url), autocommit=True) as conn:
            conn.execute("ANALYZE")


def explain(engine, account_id: int, label: str, **kw) -> None:
    """The plan of a list query as list_statements builds it."""
    with Session(engine) as s:
        account = s.get(Account, account_id)
        captured = []

        def grab(conn, cursor, statement, params, context, executemany):
            captured.append((statement, params))

        from sqlalchemy import event

        event.listen(engine, "before_cursor_execute", grab)
        try:
            statements.list_statements(s, account, limit=50, **kw)
        finally:
            event.remove(engine, "before_cursor_execute", grab)
        sql, params = captured[-1]
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        plan = s.connection().exec_driver_sql(prefix + sql, params).all()
        lines = [r[-1] if engine.dialect.name == "sqlite" else r[0] for r in plan]
        print(f"  plan {label:<22} " + " | ".join(str(x).strip() for x in lines))


class SqlClock:
    """Time spent inside the database driver (execute), summed over a request."""

    def __init__(self, engine):
        self.total = 0.0
        from sqlalchemy import event

        event.listen(engine, "before_cursor_execute", self._start)
        event.listen(engine, "after_cursor_execute", self._stop)

    def _start(self, conn, *_):
        conn.info["bench_t0"] = time.perf_counter()

    def _stop(self, conn, *_):
        self.total += time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())


def timed(fn, repeat: int, sql: SqlClock) -> list[tuple[float, float]]:
    """p50 and p95 of wall time, of this process's CPU time and of the time in SQL, in ms."""
    fn()  # warm: the first request compiles templates and fills caches
    wall, cpu, db = [], [], []
    for _ in range(repeat):
        sql.total = 0.0
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        db.append(sql.total * 1000)

    def p(samples):
        samples.sort()
        return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return [p(wall), p(cpu), p(db)]


def raw_export(url: str, account_id: int) -> tuple[int, float]:
    """The limit: one cursor of the bare driver, csv.writer, UTF-8: no portal code at all."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    size = 0
    t0 = time.perf_counter()
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        cur = conn.execute(EXPORT_SQL.format(p="?"), (account_id,))
        rows = iter(lambda: cur.fetchmany(2000), [])
    else:
        import psycopg

        conn = psycopg.connect(pg_dsn(url))
        cur = conn.cursor(name="raw_export")  # server-side, as the portal's stream_results
        cur.execute(EXPORT_SQL.format(p="%s"), (account_id,))
        rows = iter(lambda: cur.fetchmany(2000), [])
    for batch in rows:
        writer.writerows(batch)
        size += len(out.getvalue().encode("utf-8"))
        out.seek(0)
        out.truncate()
    elapsed = time.perf_counter() - t0
    conn.close()
    return size, elapsed


def run(label: str, tmp: Path, database_url: str | None, n: int, repeat: int) -> None:
    cfg = portal_config(tmp, **({"DATABASE_URL": database_url} if database_url else {}))
    app = create_app(cfg, instance_path=str(tmp / "instance"))
    url = app.config["DATABASE_URL"]
    engine = app.extensions["db_engine"]
    auth = Auth(app.test_client())
    auth.signup()
    resp = auth.post("/accounts/new/0005", {"kind": "manual:personal", "name": "大量明細"})
    account_id = int(resp.headers["Location"].split("/")[2])
    with Session(engine) as s:
        account = s.get(Account, account_id)
        office_id = account.office_id
        s.add_all(SyncRun(office_id=office_id, account_id=account_id, trigger="schedule",
                          state="done") for _ in range(300))
        s.commit()
    print(f"[{label}] {n:,} statements, {PER_DAY:,} a day over {n // PER_DAY:,} days")
    loaded = bulk_load(url, n, office_id, account_id)
    print(f"  bulk load (bare driver)       {loaded:7.1f} s")
    t0 = time.perf_counter()
    with Session(engine) as s:
        ledger_stats.rebuild_account(s, account_id)
        account = s.get(Account, account_id)
        account.statement_count = n
        s.add(account)
        s.commit()
    print(f"  kept figures built (backfill) {time.perf_counter() - t0:7.1f} s")
    t0 = time.perf_counter()
    analyze(url)
    print(f"  ANALYZE after the bulk load   {time.perf_counter() - t0:7.1f} s   (as a deployment would)")
    t0 = time.perf_counter()
    with Session(engine) as s:  # what `flask ledger check` does for the account
        wrong = ledger_stats.differing_days(s, account_id)
    assert wrong == [], wrong
    print(f"  ledger check (a recount)      {time.perf_counter() - t0:7.1f} s   "
          "(the kept figures equal it)")

    with Session(engine) as s:
        mid = s.exec(select(Statement.transaction_date, Statement.id)
                     .where(Statement.account_id == account_id)
                     .order_by(Statement.transaction_date, Statement.id).offset(n // 2).limit(1)).one()
    deep = f"{mid[0].isoformat()}_{mid[1]}"
    d_from = (FIRST_DAY + timedelta(days=n // PER_DAY // 3)).isoformat()
    d_to = (FIRST_DAY + timedelta(days=n // PER_DAY // 3 + 6)).isoformat()
    explain(engine, account_id, "first page")
    explain(engine, account_id, "deep keyset page", cursor=(mid[0], mid[1]))
    explain(engine, account_id, "date-filtered page", date_from=date.fromisoformat(d_from),
            date_to=date.fromisoformat(d_to))
    explain(engine, account_id, "date-filtered + keyset", date_from=date.fromisoformat(d_from),
            date_to=date.fromisoformat(d_to), cursor=(date.fromisoformat(d_to), 2**62))

    base = f"/accounts/{account_id}"
    client = auth.client

    def get(path):
        def go():
            r = client.get(path)
            assert r.status_code == 200, (path, r.status_code)
        return go

    def figures():
        with Session(engine) as s:
            statements.totals(s, account_id)
            statements.balance_breaks(s, s.get(Account, account_id))

    with Session(engine) as s:
        count, total = statements.totals(s, account_id)
        breaks = statements.balance_breaks(s, s.get(Account, account_id))
    print(f"  figures: {count:,} statements, sum {total:,}, breaks at rows "
          f"{[b.index for b in breaks]} (rows made off by one: {[n // 4, n // 2, 3 * n // 4]}; "
          f"each breaks the chain at itself and at the row after)")
    first = client.get(f"{base}/statements").get_data(as_text=True)
    assert "balance-breaks" in first
    cases = [("home /", get("/")),
             ("statements, first page", get(f"{base}/statements")),
             ("statements, deep keyset", get(f"{base}/statements?after={deep}")),
             ("statements, date filter", get(f"{base}/statements?date_from={d_from}&date_to={d_to}")),
             ("sync log", get(f"{base}/log")),
             ("figures (count/sum/breaks)", figures)]
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print(f"  ms, p50/p95 over {repeat} requests after one warm-up (load average {load}; CPU is "
          f"this process's; SQL is time inside the driver's execute)")
    print(f"  {'':28} {'wall p50':>9} {'wall p95':>9} {'CPU p50':>8} {'CPU p95':>8} "
          f"{'SQL p50':>8} {'SQL p95':>8}")
    sql = SqlClock(engine)
    for name, fn in cases:
        (w50, w95), (c50, c95), (d50, d95) = timed(fn, repeat, sql)
        print(f"  {name:<28} {w50:9.1f} {w95:9.1f} {c50:8.1f} {c95:8.1f} {d50:8.1f} {d95:8.1f}")

    # The same account switched from files to the API (cutover.switch): its first page also
    # checks the overlap, whose file rows the bank's (linked) rows must match day by day.
    cutover = FIRST_DAY + timedelta(days=(n - 1) // PER_DAY + 1)  # the day after the last row
    with Session(engine) as s:
        account = s.get(Account, account_id)
        account.cutover_date = cutover
        first_run = s.exec(select(SyncRun).where(SyncRun.account_id == account_id)).first()
        first_run.date_from = cutover - timedelta(days=OVERLAP_DAYS)
        s.commit()
        overlap = s.exec(select(Statement.id).where(
            Statement.account_id == account_id,
            Statement.transaction_date >= first_run.date_from)).all()
    insert_rows(url, "statement_alias", ("office_id", "account_id", "dedupe_key", "statement_id",
                                         "created_at"),
                ((office_id, account_id, f"api:bench{i}", i, datetime(2026, 1, 1)) for i in overlap))
    with Session(engine) as s:  # the links went in bare: the kept day figures learn of them
        ledger_stats.rebuild_account(s, account_id)
        s.commit()
    analyze(url)
    switched = get(f"{base}/statements")
    assert "day-mismatches" not in client.get(f"{base}/statements").get_data(as_text=True)
    (w50, w95), (c50, c95), (d50, d95) = timed(switched, repeat, sql)
    print(f"  {'first page, switched account':<28} {w50:9.1f} {w95:9.1f} {c50:8.1f} {c95:8.1f} "
          f"{d50:8.1f} {d95:8.1f}   ({len(overlap):,} rows in the {OVERLAP_DAYS}-day overlap, "
          "each linked to a bank key)")

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0, c0 = time.perf_counter(), time.process_time()
    resp = client.get(f"{base}/export", buffered=False)
    size = sum(len(chunk) for chunk in resp.response)
    resp.close()
    portal, portal_cpu = time.perf_counter() - t0, time.process_time() - c0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    c0 = time.process_time()
    raw_size, raw = raw_export(url, account_id)
    raw_cpu = time.process_time() - c0
    print(f"  export CPU (this process)     portal {portal_cpu:.2f} s, raw {raw_cpu:.2f} s")
    print(f"  export via the portal         {portal:7.2f} s  {size / portal / 2**20:6.1f} MiB/s  "
          f"({size / 2**20:.0f} MiB; peak RSS grew {(rss1 - rss0) / 1024:.0f} MiB)")
    print(f"  raw limit (cursor+csv.writer) {raw:7.2f} s  {raw_size / raw / 2**20:6.1f} MiB/s  "
          f"({raw_size / 2**20:.0f} MiB)")
    print(f"  export / raw limit (bytes/s)  {(size / portal) / (raw_size / raw):7.2f}×")
    engine.dispose()


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    ap = argparse.ArgumentParser()
    ap.add_argument("--statements", type=int, default=1_000_000)
    ap.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--repeat", type=int, default=40)
    ap.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1/postgres",
                    help="a server where the bench may create and drop a database of its own")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tsunagu-bench-"))
    if args.database in ("sqlite", "both"):
        run("SQLite", tmp / "sqlite", None, args.statements, args.repeat)
    if args.database == "sqlite":
        return
    try:
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT",
                              connect_args={"connect_timeout": 2})
        admin.connect().close()
    except Exception as exc:  # noqa: BLE001 - no server: the SQLite figures stand alone
        print(f"[PostgreSQL] skipped: {type(exc).__name__}")
        return
    name = f"tsunagu_bench_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = admin.url.set(database=name).render_as_string(hide_password=False)
        run("PostgreSQL", tmp / "pg", url, args.statements, args.repeat)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
