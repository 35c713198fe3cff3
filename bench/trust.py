"""The trust report: a seeded campaign against the real sandbox bank, then every ledger
compared with the bank's ground truth.

N accounts over both dialects (みずほ 0001, gmo; りそな 0010, mufg), M syncs over them (several
at once), a share of the syncs under an injected fault (every kind in turn: server_error,
rate_limit, reset, truncate, malformed, slow, maintenance, insert_between_pages), a share of
them with the worker holding the run SIGKILLed (and a new worker started), new statements
arriving at the bank between syncs. At the end the faults are cleared, every account is synced
until a run ends `done`, and its ledger is compared with the bank's statements.

    python bench/trust.py --accounts 20 --syncs 500 --fault-rate 0.2 [--database postgresql]

Exit status 1 when a statement is missing or doubled (or has the wrong amount), or a run is
stuck queued/running. See tests/support/trust_campaign.py for what each figure counts.
"""
import argparse
import logging
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.live_portal import serve_portal  # noqa: E402
from tests.support.postgres import fresh_database, server_answers  # noqa: E402
from tests.support.sandbox_server import start_sandbox  # noqa: E402
from tests.support.trust_campaign import PORTAL_SETTINGS, Plan, campaign_profile, run_campaign  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=20, help="accounts, alternately gmo and mufg")
    parser.add_argument("--syncs", type=int, default=500, help="syncs asked for over the accounts")
    parser.add_argument("--fault-rate", type=float, default=0.2, help="share of syncs under a fault")
    parser.add_argument("--kill-rate", type=float, default=0.05,
                        help="share of syncs whose worker is SIGKILLed mid-run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--parallel", type=int, default=4, help="syncs in flight at once")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    if not 0 <= args.fault_rate <= 1 or not 0 <= args.kill_rate <= 1 or args.accounts < 1:
        parser.error("rates are shares within 0..1; at least one account")
    if args.database == "postgresql" and not server_answers():
        parser.error("no PostgreSQL server answers (TSUNAGU_TEST_POSTGRES_URL)")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    plan = Plan(accounts=args.accounts, syncs=args.syncs, fault_rate=args.fault_rate,
                kill_rate=args.kill_rate, seed=args.seed, parallel=args.parallel)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tsunagu-trust-") as folder, ExitStack() as stack:
        folder = Path(folder)
        sandbox = stack.enter_context(start_sandbox(folder / "sandbox"))
        stack.enter_context(campaign_profile(sandbox))
        settings = dict(PORTAL_SETTINGS)
        if args.database == "postgresql":
            settings["DATABASE_URL"] = stack.enter_context(fresh_database())
        portal = stack.enter_context(serve_portal(folder, sandbox, **settings))
        report = run_campaign(sandbox, portal, folder, plan,
                              log=lambda line: print(line, file=sys.stderr, flush=True))
    print(report.text())
    print(f"{'wall time':<20} {time.monotonic() - started:.1f} s (sandbox and portal start included)")
    return 0 if report.trustworthy and not report.problems else 1


if __name__ == "__main__":
    sys.exit(main())
