"""Benchmark: sync throughput of the production layout with 1 worker process and with 3.

Each round is a fresh PostgreSQL database and a real deployment (gunicorn, `flask worker`
processes, `flask scheduler`; tests/support/deployment.py) syncing the same 200 accounts
against the sandbox bank, which takes `--delay` seconds a call. The bank's rate limit is set
high enough not to be what limits. Prints accounts/min for each round and the ratio (target
≥ 2.5×); asserts nothing about speed (machines differ), but every round's ledgers are
compared with the bank's.

    python bench/scale_out.py [--logins 4 --per-login 50 --threads 2 --delay 0.1]

Two threads per worker by default: on a 2-CPU machine, where the web process, PostgreSQL,
the sandbox bank and every worker share the CPUs, 3 × 4 threads keep them busy and the
round measures the CPUs, not what more processes add while the bank's latency is the bound.
On a larger machine, raise --threads.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine  # noqa: E402

from tests.support.flows import wait_for  # noqa: E402
from tests.support.postgres import fresh_database, server_answers  # noqa: E402
from tests.support.scale_setup import (  # noqa: E402
    bank_profile,
    compare_with_bank,
    deployment,
    link_login,
    over_limit,
    request_all,
    unfinished,
    volume_sandbox,
)

RATE = {"requests": 2000, "per_seconds": 1}  # far above what the workers ask


def one_round(folder: Path, sandbox, args, processes: int) -> dict:
    from concurrent.futures import ThreadPoolExecutor

    with fresh_database() as url:
        dep = deployment(folder, sandbox, url, rate_limit=RATE, SYNC_WORKERS=args.threads,
                         SYNC_DISPATCH_SECONDS=0.5, SYNC_LEASE_SECONDS=30)
        engine = create_engine(url)
        try:
            with dep:
                dep.migrate()
                dep.start_web()
                for _ in range(processes):
                    dep.start_worker()
                dep.start_scheduler()
                dep.wait_ready(timeout=300)
                with ThreadPoolExecutor(args.logins) as pool:
                    accounts = [a for batch in pool.map(lambda i: link_login(dep.url, engine, i),
                                                        range(args.logins)) for a in batch]
                calls_before = sum(over_limit(sandbox, dep.client_id))
                cpu_before = sum(w.cpu_seconds() for w in dep.workers)
                started = time.perf_counter()
                runs = request_all(engine, accounts)
                wait_for(lambda: unfinished(engine, runs.values()) == 0, timeout=1800, interval=0.05,
                         message="every run to end")
                seconds = time.perf_counter() - started
                cpu = sum(w.cpu_seconds() for w in dep.workers) - cpu_before
                allowed, refused = over_limit(sandbox, dep.client_id)
                problems = compare_with_bank(engine, sandbox, accounts, runs)
        finally:
            engine.dispose()
    return {"accounts": len(accounts), "seconds": seconds, "calls": allowed + refused - calls_before,
            "refused": refused, "problems": problems, "cpu": cpu}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--logins", type=int, default=4)
    ap.add_argument("--per-login", type=int, default=50)
    ap.add_argument("--statements", type=int, default=20, help="per account")
    ap.add_argument("--threads", type=int, default=2, help="SYNC_WORKERS per worker process")
    ap.add_argument("--delay", type=float, default=0.1, help="the bank's seconds per call")
    args = ap.parse_args()
    if not server_answers():
        raise SystemExit("no PostgreSQL server answers (TSUNAGU_TEST_POSTGRES_URL)")
    tmp = Path(tempfile.mkdtemp(prefix="tsunagu-scale-"))
    sandbox = volume_sandbox(tmp / "bank", logins=args.logins, per_login=args.per_login,
                             statements=args.statements)
    results = {}
    with sandbox, bank_profile(sandbox, delay=args.delay, **RATE):
        for processes in (1, 3):
            r = results[processes] = one_round(tmp / f"p{processes}", sandbox, args, processes)
            per_run = r["calls"] / r["accounts"]
            bound = 60 * processes * args.threads / (per_run * args.delay)
            print(f"{processes} worker process(es) x {args.threads} threads: {r['accounts']} accounts in "
                  f"{r['seconds']:.1f} s = {60 * r['accounts'] / r['seconds']:,.0f} accounts/min "
                  f"({per_run:.1f} bank calls per sync; the bank's delay alone allows {bound:,.0f}/min); "
                  f"refused by the bank {r['refused']}; problems {len(r['problems'])}; worker CPU "
                  f"{1000 * r['cpu'] / r['accounts']:.0f} ms per sync", flush=True)
            for problem in r["problems"][:5]:
                print(f"  problem: {problem}")
    one, three = (60 * results[p]["accounts"] / results[p]["seconds"] for p in (1, 3))
    print(f"scale-out ratio 3 processes / 1 process: {three / one:.2f}x (target >= 2.5x)")
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} at the end (a ratio under the "
          "target with the CPUs busy means the workers waited for CPU, not for the bank)")


if __name__ == "__main__":
    main()
