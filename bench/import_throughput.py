"""Benchmark: preview and import of a large bank statement file, through the portal.

Builds a 楽天銀行 CSV (Shift_JIS) of --rows statements, uploads it, opens the preview and
confirms the import with the test client on a temporary SQLite database, and on PostgreSQL
when one answers at --postgres (a database of its own, dropped afterwards). For scale it
inserts the same rows with the bare driver (sqlite3 / psycopg executemany) in the same run:
the "raw limit" no import can beat. Prints figures; asserts nothing about speed.

Run: `python bench/import_throughput.py --rows 140000`.
"""
import argparse
import io
import logging
import secrets
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.ledger.csv_import import parse  # noqa: E402
from portal.ledger.fingerprint import dedup_key, occurrence_fingerprint  # noqa: E402
from portal.ledger.normalize import norm_description  # noqa: E402
from portal.models import Account, Statement  # noqa: E402
from portal.services import csv_ingest  # noqa: E402
from tests.support.auth import Auth  # noqa: E402
from tests.support.portal_config import portal_config  # noqa: E402

SHOPS = ("ｺﾝﾋﾞﾆ", "ﾃﾞﾝｷﾀﾞｲ", "ｶ)ﾔﾏﾀﾞｼﾖｳﾃﾝ", "ﾌﾘｺﾐ ｽｽﾞｷ", "ATM", "ｶｰﾄﾞ")
COLUMNS = ("office_id", "account_id", "transaction_date", "value_date", "amount", "description",
           "description_norm", "balance_after", "balance_derived", "memo", "source", "dedupe_key",
           "created_at")


def statement_file(rows: int) -> bytes:
    """楽天銀行's layout, oldest first, a running balance, 40 rows a day."""
    out = io.StringIO()
    out.write("取引日,入出金(円),取引後残高(円),入出金内容\r\n")
    balance, day = 1_000_000, date(2015, 1, 1)
    for i in range(rows):
        if i and i % 40 == 0:
            day += timedelta(days=1)
        amount = (i * 7919) % 20000 - 9000 or 1
        balance += amount
        out.write(f"{day:%Y%m%d},{amount},{balance},{SHOPS[i % len(SHOPS)]}\r\n")
    return out.getvalue().encode("cp932")


def raw_rows(data: bytes, office_id: int, account_id: int) -> list[tuple]:
    """The rows an import writes, computed outside the timing: what the bare driver inserts."""
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    seen: dict[str, int] = {}
    out = []
    for r in parse(data, max_bytes=len(data)).rows:
        key = dedup_key(r)
        seen[key] = seen.get(key, 0) + 1
        out.append((office_id, account_id, r.transaction_date.isoformat(), None, r.amount,
                    r.description, norm_description(r.description), r.balance_after, False, "",
                    "csv", f"csv:{occurrence_fingerprint(key, seen[key])}", now))
    return out


def raw_insert(url: str, rows: list[tuple]) -> float:
    sql = (f"INSERT INTO statement ({', '.join(COLUMNS)}) VALUES "
           f"({', '.join(['?' if url.startswith('sqlite') else '%s'] * len(COLUMNS))})")
    t0 = time.perf_counter()
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.executemany(sql, rows)
        conn.commit()
        conn.close()
    else:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
            with conn.cursor() as cur:
                cur.executemany(sql, rows)
            conn.commit()
    return time.perf_counter() - t0


def run(label: str, tmp: Path, database_url: str | None, data: bytes, rows: int) -> None:
    cfg = portal_config(tmp, **({"DATABASE_URL": database_url} if database_url else {}))
    app = create_app(cfg, instance_path=str(tmp / "instance"))
    url = app.config["DATABASE_URL"]
    auth = Auth(app.test_client())
    auth.signup()
    accounts = []
    for name in ("bench", "raw"):
        resp = auth.post("/accounts/new/0005", {"kind": "manual:personal", "name": name})
        accounts.append(int(resp.headers["Location"].split("/")[2]))
    account_id, raw_account = accounts
    base = f"/accounts/{account_id}/import"

    t0 = time.perf_counter()
    resp = auth.post(base, {"file": (io.BytesIO(data), "rakuten.csv")}, content_type="multipart/form-data")
    upload = time.perf_counter() - t0
    location = resp.headers.get("Location")
    if resp.status_code != 303:
        print(f"{label}: upload refused ({resp.status_code})")
        return
    t0 = time.perf_counter()
    page = auth.client.get(location)
    preview = time.perf_counter() - t0
    print(f"[{label}] {rows:,} rows, {len(data) / 2**20:.1f} MiB")
    print(f"  upload                 {upload:6.2f} s")
    print(f"  preview                {preview:6.2f} s   (status {page.status_code})")
    t0 = time.perf_counter()
    try:
        done = auth.post(location)
    except Exception as exc:  # noqa: BLE001 - a failed import is a figure too
        print(f"  import                 failed after {time.perf_counter() - t0:.2f} s: "
              f"{str(exc).splitlines()[0][:100]}")
        app.extensions["db_engine"].dispose()
        return
    imported = time.perf_counter() - t0
    assert page.status_code == 200 and done.status_code == 303, (page.status_code, done.status_code)
    engine = app.extensions["db_engine"]
    with Session(engine) as s:
        account = s.get(Account, account_id)
        count = account.statement_count
        # The same file again: every row is held, nothing added.
        location = auth.post(base, {"file": (io.BytesIO(data), "rakuten.csv")},
                             content_type="multipart/form-data").headers["Location"]
        t0 = time.perf_counter()
        auth.client.get(location)
        again_preview = time.perf_counter() - t0
        t0 = time.perf_counter()
        auth.post(location)
        again = time.perf_counter() - t0
        s.expire_all()
        again_count = s.exec(select(Statement.id).where(Statement.account_id == account_id)).all()
        tracemalloc.start()
        csv_ingest.preview(s, s.get(Account, account_id), data, None)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        office_id = account.office_id
    rows_for_raw = raw_rows(data, office_id, raw_account)
    engine.dispose()
    raw = raw_insert(url, rows_for_raw)
    app.extensions["db_engine"].dispose()
    print(f"  preview, peak memory   {peak:6.0f} MiB (Python objects, the preview service alone)")
    print(f"  import                 {imported:6.2f} s   ({count:,} statements, {count / imported:,.0f}/s)")
    print(f"  same file again        {again_preview:6.2f} s preview, {again:.2f} s import, "
          f"rows now {len(again_count):,}")
    print(f"  raw driver executemany {raw:6.2f} s   (import / raw = {imported / raw:.1f}×)")


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=140_000)
    ap.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1/test",
                    help="a server where the bench may create and drop a database of its own")
    args = ap.parse_args()
    data = statement_file(args.rows)
    tmp = Path(tempfile.mkdtemp(prefix="tsunagu-bench-"))
    run("SQLite", tmp / "sqlite", None, data, args.rows)
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
        run("PostgreSQL", tmp / "pg", url, data, args.rows)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
