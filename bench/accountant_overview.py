"""Benchmark: the accountant's overview (GET /offices/) of one user in --offices offices of
--accounts accounts each.

For each database (a temporary SQLite file; PostgreSQL when one answers, in a database of its
own, dropped afterwards):
1. the schema by migrations; a user signed up through the portal, then --offices - 1 more
   offices they are a member of; per office, consents with expiries from lapsed to months
   ahead (one needing re-authentication), --accounts accounts (a few failing), --runs sync
   runs and --statements statements per account, loaded with the bare driver; books started
   in two offices of three, a third of their statements booked (entry and line); ANALYZE;
2. p50/p95 over --repeat requests of GET /offices/ through the Flask test client (server side:
   view, the grouped queries, the template with its switch forms), and of the same figures
   fetched by the bare driver with hand-written SQL, in the same run; their ratio.
Prints the figures against the 200 ms target; asserts nothing about speed.

Run: `python bench/accountant_overview.py --database both`.
"""
import argparse
import logging
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.models import BookSetup, Membership, Office, User  # noqa: E402
from portal.models.vocabulary import BusinessForm, Role  # noqa: E402
from portal.services.office_overview import INBOX_UP_TO  # noqa: E402
from tests.support.auth import Auth  # noqa: E402
from tests.support.bulk_rows import insert_rows  # noqa: E402
from tests.support.portal_config import portal_config  # noqa: E402
from tests.support.postgres import migrated_engine, server_answers  # noqa: E402

TARGET_MS = 200
NOW = datetime.now(UTC)


def timed(fn, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def _next_id(engine, table: str) -> int:
    with engine.connect() as conn:
        return (conn.execute(text(f"SELECT max(id) FROM {table}")).scalar() or 0) + 1


def load(engine, url: str, user_id: int, offices: int, accounts: int, runs: int,
         statements: int) -> list[int]:
    with Session(engine) as s:
        first = s.exec(select(Membership.office_id).where(Membership.user_id == user_id)).one()
        ids = [first]
        for i in range(1, offices):
            office = Office(name=f"顧問先{i:03d} 株式会社")
            s.add(office)
            s.flush()
            s.add(Membership(user_id=user_id, office_id=office.id, role=(Role.ADMIN, Role.VIEWER)[i % 2]))
            ids.append(office.id)
        for i, oid in enumerate(ids):
            if i % 3:
                s.add(BookSetup(office_id=oid, business_form=BusinessForm.CORPORATION))
        s.commit()
    conn_id, account_id, run_id, st_id, entry_id = (_next_id(engine, t) for t in (
        "bank_connection", "account", "sync_run", "statement", "book_entry"))
    conns, accs, sync_runs, rows, entries, lines = [], [], [], [], [], []
    expiries = (-5, 3, 12, 29, 45, 80)
    for i, oid in enumerate(ids):
        office_conns = []
        for k, days in enumerate(expiries):
            state = "reauth_required" if k == 5 and i % 4 == 0 else "active"
            conns.append((conn_id, oid, "0001", state, NOW + timedelta(days=days + i % 7), "", NOW, NOW))
            office_conns.append(conn_id)
            conn_id += 1
        for a in range(accounts):
            failed = a == 0 and i % 5 == 0
            accs.append((account_id, oid, f"口座{a}", "0001", "personal", "api",
                         office_conns[a % len(office_conns)], "JPY",
                         NOW - timedelta(hours=a + i), "failed" if failed else "done", statements, NOW))
            for r in range(runs):
                started = NOW - timedelta(hours=6 * (runs - r))
                sync_runs.append((run_id, oid, account_id, "schedule", "done", started, started,
                                  started + timedelta(seconds=3), 0, 0, 0, 0, 0))
                run_id += 1
            for n in range(statements):
                rows.append((st_id, oid, account_id, date(2025, 1, 1) + timedelta(days=n % 365),
                             -1000 - n, "ﾌﾘｺﾐ ﾔﾏﾀﾞ", "ﾌﾘｺﾐ ﾔﾏﾀﾞ", False, "", "api", f"api:{n}", NOW))
                if i % 3 and n % 3 == 0:  # books kept: a third booked, as booking writes it
                    day = date(2025, 1, 1) + timedelta(days=n % 365)
                    entries.append((entry_id, oid, "booked", day, 1000 + n, "out_of_scope", "", "",
                                    "", "", 1, NOW, NOW))
                    lines.append((oid, entry_id, st_id, account_id, day, -1000 - n, "ﾌﾘｺﾐ ﾔﾏﾀﾞ", "out"))
                    entry_id += 1
                st_id += 1
            account_id += 1
    insert_rows(url, "bank_connection", ("id", "office_id", "bank_code", "state", "consent_expires_at",
                                         "scope", "created_at", "updated_at"), conns)
    insert_rows(url, "account", ("id", "office_id", "name", "bank_code", "kind", "sync_method",
                                 "connection_id", "currency", "last_synced_at", "sync_state",
                                 "statement_count", "created_at"), accs)
    insert_rows(url, "sync_run", ("id", "office_id", "account_id", "trigger", "state", "created_at",
                                  "started_at", "finished_at", "attempts", "fetched", "added", "skipped",
                                  "resumes"), sync_runs)
    insert_rows(url, "statement", ("id", "office_id", "account_id", "transaction_date", "amount",
                                   "description", "description_norm", "balance_derived", "memo",
                                   "source", "dedupe_key", "created_at"), rows)
    insert_rows(url, "book_entry", ("id", "office_id", "state", "entry_date", "amount", "tax_class_key",
                                    "description", "memo", "tag_ids", "skip_reason", "version",
                                    "created_at", "updated_at"), entries)
    insert_rows(url, "book_line", ("office_id", "entry_id", "statement_id", "account_id",
                                   "transaction_date", "amount", "description_norm", "direction"), lines)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for table in ("bank_connection", "account", "sync_run", "statement", "book_entry"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
        conn.execute(text("ANALYZE"))
    return ids


def bare_driver(engine, user_id: int):
    """The same figures by hand-written SQL on the driver's own connection."""
    raw = engine.raw_connection()
    pg = engine.dialect.name == "postgresql"
    ph = "%s" if pg else "?"
    mine = f"SELECT office_id FROM membership WHERE user_id = {ph}"
    now, soon = NOW, NOW + timedelta(days=30)
    if not pg:
        now, soon = (d.strftime("%Y-%m-%d %H:%M:%S.%f") for d in (now, soon))

    def fetch():
        cur = raw.cursor()
        cur.execute(f"SELECT o.id, o.name, m.role FROM office o JOIN membership m ON m.office_id = o.id "
                    f"WHERE m.user_id = {ph}", (user_id,))
        cur.fetchall()
        cur.execute(f"SELECT office_id, count(id), sum(CASE WHEN sync_state = 'failed' THEN 1 ELSE 0 END), "
                    f"max(last_synced_at) FROM account WHERE office_id IN ({mine}) GROUP BY office_id",
                    (user_id,))
        cur.fetchall()
        cur.execute(f"SELECT c.office_id, sum(CASE WHEN c.state = 'active' AND c.consent_expires_at > {ph} "
                    f"AND c.consent_expires_at <= {ph} THEN 1 ELSE 0 END), sum(CASE WHEN c.state = "
                    f"'reauth_required' OR c.consent_expires_at <= {ph} THEN 1 ELSE 0 END) "
                    f"FROM bank_connection c WHERE c.office_id IN ({mine}) AND c.state != 'revoked' AND "
                    f"EXISTS (SELECT 1 FROM account a WHERE a.connection_id = c.id) GROUP BY c.office_id",
                    (now, soon, now, user_id))
        cur.fetchall()
        cur.execute(f"SELECT office_id FROM book_setup WHERE office_id IN ({mine}) ORDER BY office_id",
                    (user_id,))
        setups = [r[0] for r in cur.fetchall()]
        arms = " UNION ALL ".join(
            f"SELECT {oid}, count(*) FROM (SELECT s.id FROM statement s WHERE s.office_id = {oid} AND NOT "
            f"EXISTS (SELECT 1 FROM book_line l WHERE l.statement_id = s.id) ORDER BY s.transaction_date "
            f"DESC, s.id DESC LIMIT {INBOX_UP_TO + 1}) AS capped{oid}" for oid in setups)
        cur.execute(arms)
        out = cur.fetchall()
        cur.close()
        return out
    return raw, fetch


def run(engine, folder: Path, args) -> None:
    name = engine.dialect.name
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(portal_config(folder, DATABASE_URL=url), instance_path=str(folder / "instance"))
    client = app.test_client()
    auth = Auth(client)
    auth.signup(email="accountant@example.jp", office="山田会計事務所")
    with Session(engine) as s:
        user_id = s.exec(select(User.id).where(User.email == "accountant@example.jp")).one()
    t0 = time.perf_counter()
    ids = load(engine, url, user_id, args.offices, args.accounts, args.runs, args.statements)
    print(f"\n[{name}] {len(ids)} offices × {args.accounts} accounts, {args.runs} runs and "
          f"{args.statements} statements per account; loaded in {time.perf_counter() - t0:.1f} s")
    page = client.get("/offices/")
    assert page.status_code == 200 and page.get_data(as_text=True).count("<tr") == len(ids) + 1
    p50, p95 = timed(lambda: client.get("/offices/?sort=inbox&dir=desc"), args.repeat)
    raw, fetch = bare_driver(engine, user_id)
    assert len(fetch()) == sum(1 for i in range(len(ids)) if i % 3)
    r50, r95 = timed(fetch, args.repeat)
    raw.close()
    verdict = "ok" if p95 < TARGET_MS else "OVER"
    print(f"[{name}] GET /offices/ (test client)  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
          f"target p95 < {TARGET_MS} ms: {verdict}")
    print(f"[{name}] bare driver, same figures  p50 {r50:7.1f} ms  p95 {r95:7.1f} ms")
    print(f"[{name}] ratio page / bare driver   p50 {p50 / r50:5.1f}×  p95 {p95 / r95:5.1f}×")
    app.extensions["db_engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offices", type=int, default=100)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--statements", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    for dialect in ["sqlite", "postgresql"] if args.database == "both" else [args.database]:
        if dialect == "postgresql" and not server_answers():
            print("\n[postgresql] skipped: no server answers")
            continue
        with ExitStack() as stack:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            engine = stack.enter_context(migrated_engine(dialect, folder))
            run(engine, folder, args)


if __name__ == "__main__":
    main()
