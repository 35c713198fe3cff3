"""The trust campaign: many syncs of many accounts against the real sandbox bank, with faults
of every kind, SIGKILLed workers and statements arriving between syncs; then every ledger is
compared with the bank's ground truth.

Shared by `bench/trust.py` (the full report) and `tests/integration/test_trust_report.py` (a
short form in the suite).

    with campaign_profile(sandbox), serve_portal(folder, sandbox, **PORTAL_SETTINGS) as portal:
        report = run_campaign(sandbox, portal, folder, Plan(accounts=4, syncs=24))
    print(report.text()); assert report.trustworthy

What is counted:
- syncs: the runs the campaign asked for with [今すぐ同期] (linking and the final syncs apart).
- faults: the faults injected, by kind (one per faulted sync, at that account's bank; a fault
  acts on the bank's next API calls, whichever account makes them). Those still on the board
  when the campaign ends are reported as unused, then cleared.
- retries: `sync_run.attempts` beyond the first (a run rescheduled after the bank client gave
  up), and the bank client's own retries, as the workers log them ("retrying in").
- kills: SIGKILLs of the worker process holding a run's lease (a new worker is started each
  time); recoveries: the sum of `sync_run.resumes` (runs taken over after their lease ran
  out), and how many of the runs a kill interrupted were taken over.
- missing: statements the bank holds (since the account's first sync window) that are not in
  its ledger; doubled: dedupe keys stored twice plus rows the bank does not hold; wrong amounts:
  rows whose amount is not the bank's.
- stuck: runs still queued or running after the final settle.
"""
from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, text
from sqlmodel import Session, select

from portal.models import Statement, SyncRun
from tests.integration.lifetime_helpers import first_window_start, link_first, truth
from tests.support.flows import PortalUser, wait_for
from tests.support.live_portal import SANDBOX_BANKS
from tests.support.sync_worker import SyncWorker

FAULT_KINDS = ("server_error", "rate_limit", "reset", "truncate", "malformed", "slow", "maintenance",
               "insert_between_pages")
BANKS = ("0001", "0010")  # one of each dialect
assert [SANDBOX_BANKS[b] for b in BANKS] == ["gmo", "mufg"]
ACCOUNTS_PER_LOGIN = 3  # the demo user yamada holds three accounts at every bank
LEASE, DISPATCH = 2.0, 0.2
# The web process runs no syncs; the worker processes do. Retry waits stay short, and every
# campaign account is its own office, so the sign-up budget must allow that many.
PORTAL_SETTINGS = {"SCHEDULER_ENABLED": False, "SYNC_LEASE_SECONDS": LEASE,
                   "SYNC_DISPATCH_SECONDS": DISPATCH, "SYNC_WORKERS": 2, "BANK_MAX_RETRY_WAIT": 1.0,
                   "SIGNUP_ADDRESS_LIMIT": "10000 per hour"}
ACTIVE = ("queued", "running")
RUN_TIMEOUT = 300.0  # a run the client gave up on comes back after 30 s, 60 s, ...


@dataclass(frozen=True)
class Plan:
    accounts: int = 4
    syncs: int = 24
    fault_rate: float = 0.2
    kill_rate: float = 0.1
    seed: int = 1
    parallel: int = 4  # syncs in flight at once (over different accounts)


@dataclass
class Report:
    plan: Plan
    database: str = ""
    accounts_by_dialect: Counter = field(default_factory=Counter)
    syncs: int = 0
    runs_total: int = 0
    faults: Counter = field(default_factory=Counter)
    faults_unused: Counter = field(default_factory=Counter)
    run_retries: int = 0
    client_retries: int = 0
    kills: int = 0
    kills_planned: int = 0  # one whose run ends before its kill point moves to the next sync
    interrupted: int = 0  # runs a kill interrupted (all the runs the killed worker held)
    interrupted_recovered: int = 0
    recoveries: int = 0  # sum of sync_run.resumes
    compared: int = 0
    missing: int = 0
    doubled: int = 0
    wrong_amounts: int = 0
    stuck: int = 0
    final_syncs: int = 0
    failed: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def trustworthy(self) -> bool:
        return self.missing == self.doubled == self.wrong_amounts == self.stuck == 0

    def text(self) -> str:
        def counts(c: Counter) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "none"

        p = self.plan
        dialects = ", ".join(f"{k} {v}" for k, v in sorted(self.accounts_by_dialect.items()))
        lines = [
            ("campaign", f"seed {p.seed}, {p.accounts} accounts ({dialects}), fault rate {p.fault_rate:g}, "
                         f"kill rate {p.kill_rate:g}, {self.database}"),
            ("syncs", f"{self.syncs} (runs in all {self.runs_total}, final clean syncs {self.final_syncs})"),
            ("faults", f"{sum(self.faults.values())}: {counts(self.faults)}"),
            ("faults unused", f"{sum(self.faults_unused.values())}: {counts(self.faults_unused)} "
                              "(still on the board at the end, cleared)"),
            ("retries", f"{self.run_retries + self.client_retries}: run attempts beyond the first "
                        f"{self.run_retries}, bank client retries logged {self.client_retries}"),
            ("kills", f"{self.kills} of {self.kills_planned} planned (SIGKILL of the lease holder; "
                      f"runs interrupted {self.interrupted})"),
            ("recoveries", f"{self.recoveries} runs taken over (sum of sync_run.resumes); "
                           f"{self.interrupted_recovered} of the {self.interrupted} interrupted by a kill"),
            ("statements compared", str(self.compared)),
            ("missing", str(self.missing)),
            ("doubled", str(self.doubled)),
            ("wrong amounts", str(self.wrong_amounts)),
            ("stuck runs", str(self.stuck)),
            ("failed runs", counts(self.failed)),
            ("time", f"{self.seconds:.1f} s"),
        ]
        out = [f"{k:<20} {v}" for k, v in lines]
        out += [f"problem: {problem}" for problem in self.problems]
        return "\n".join(out)


def bank_truth(sandbox, bank: str, remote_id: str, since) -> dict[str, int]:
    """{dedupe key: amount} of every statement the bank holds since `since`, keyed as the
    portal stores them: the ground truth is in the gmo shape (itemKey, 10 digits), a mufg bank
    serves the same statement as transactionId (its number in 15 digits)."""
    rows = truth(sandbox, bank, remote_id, since)
    if SANDBOX_BANKS[bank] != "mufg":
        return rows
    return {f"api:{int(key.removeprefix('api:')):015d}": amount for key, amount in rows.items()}


@contextmanager
def campaign_profile(sandbox) -> Iterator[None]:
    """Pages of 100 (runs of several pages), a rate limit the paging stays under, and more than
    one consent per bank user (every campaign account is its own office linking the demo
    user); the banks' profiles are put back afterwards."""
    keys = ("page_size", "rate_limit", "one_grant_per_user")
    before = {b: sandbox.admin("GET", f"/banks/{b}/_sandbox/profile").json() for b in BANKS}
    for bank in BANKS:
        sandbox.admin("PATCH", f"/banks/{bank}/_sandbox/profile", json={
            "page_size": 100, "rate_limit": {"requests": 1000, "per_seconds": 1},
            "one_grant_per_user": False}).raise_for_status()
    try:
        yield
    finally:
        for bank in BANKS:
            sandbox.admin("DELETE", f"/banks/{bank}/_sandbox/faults")
            sandbox.admin("PATCH", f"/banks/{bank}/_sandbox/profile",
                          json={k: before[bank][k] for k in keys})


class Workers:
    """Two `flask sync worker` processes; the one holding a run can be killed and replaced."""

    def __init__(self, config, folder: Path, count: int = 2):
        self.config, self.folder, self.started = config, folder, 0
        self.all: list[SyncWorker] = []
        self.alive = [self.start() for _ in range(count)]

    def start(self) -> SyncWorker:
        self.started += 1
        worker = SyncWorker.start(self.config, self.folder / f"worker{self.started}")
        self.all.append(worker)
        return worker

    def kill_holder(self, lease_owner: str | None) -> bool:
        holder = next((w for w in self.alive if w.holds(lease_owner)), None)
        if holder is None:
            return False
        holder.kill()
        self.alive = [w for w in self.alive if w is not holder] + [self.start()]
        return True

    def client_retries(self) -> int:
        return sum(w.log_path.read_text(errors="replace").count("; retrying in ") for w in self.all)

    def stop(self) -> None:
        for worker in self.alive:
            worker.stop()


@dataclass
class CampaignAccount:
    index: int
    user: PortalUser
    account_id: int
    bank: str
    remote_id: str


@dataclass
class Flight:
    run_id: int
    kill_at: int | None  # kill the holder once the run has fetched this many rows


class Campaign:
    def __init__(self, sandbox, portal, folder: Path, plan: Plan, log: Callable[[str], None]):
        self.sandbox, self.portal, self.folder, self.plan, self.log = sandbox, portal, folder, plan, log
        self.engine = portal.app.extensions["db_engine"]
        self.rng = random.Random(plan.seed)
        self.report = Report(plan, database=self.engine.dialect.name)
        self.flights: dict[int, Flight] = {}  # campaign account index -> its run in flight
        self.killed_runs: dict[int, int] = {}  # run id -> its resumes when a kill interrupted it
        self.deck: list[str] = []
        self.kills_owed = 0

    def db(self) -> Session:
        return Session(self.engine)

    def run(self, run_id: int) -> SyncRun:
        with self.db() as s:
            return s.get(SyncRun, run_id)

    # -- set-up ------------------------------------------------------------------------------

    def link(self, index: int) -> CampaignAccount:
        bank = BANKS[index % len(BANKS)]
        pick = (index // len(BANKS)) % ACCOUNTS_PER_LOGIN
        user = PortalUser(self.portal, email=f"trust{index}@example.jp").signup(office=f"信頼{index}商店")
        account_id, remote = link_first(user, self.sandbox, self.db, bank=bank, pick=pick)
        return CampaignAccount(index, user, account_id, bank, remote.remote_id)

    # -- the campaign ------------------------------------------------------------------------

    def next_fault(self, bank: str) -> str:
        if not self.deck:  # every kind once per round, in a seeded order
            self.deck = self.rng.sample(FAULT_KINDS, len(FAULT_KINDS))
        kind = self.deck.pop()
        rng = self.rng
        body: dict = {"mode": kind, "after": rng.randint(0, 4)}
        if kind == "maintenance":
            body["seconds"] = round(rng.uniform(0.5, 2.5), 2)
        elif kind == "slow":
            body.update(delay=round(rng.uniform(0.2, 1.2), 2), count=rng.randint(1, 3))
        elif kind == "rate_limit":
            body.update(retry_after=1, count=rng.randint(1, 3))
        elif kind == "insert_between_pages":
            body.update(statements=rng.randint(1, 5), count=1)
        elif kind == "malformed":
            # Twice in a row on one request fails the run for good (bad_response); other
            # accounts' calls at the bank often take some of the count first.
            body["count"] = rng.randint(1, 3)
        else:  # server_error, reset, truncate: within the client's retries, mostly
            body["count"] = rng.randint(1, 3)
        self.sandbox.admin("POST", f"/banks/{bank}/_sandbox/faults", json=body).raise_for_status()
        self.report.faults[kind] += 1
        return kind

    def pump(self, workers: Workers) -> None:
        """Land finished runs; kill the holder of a run marked for a kill once it is at its point."""
        for index, flight in list(self.flights.items()):
            run = self.run(flight.run_id)
            if run.state not in ACTIVE:
                del self.flights[index]
                if flight.kill_at is not None:  # ended before its kill point: the next sync's
                    self.kills_owed += 1
                continue
            if flight.kill_at is None or run.state != "running" or run.fetched < flight.kill_at:
                continue
            dead = run.lease_owner
            if not workers.kill_holder(dead):
                continue  # the lease is already another's (or none): try again on the next pump
            flight.kill_at = None
            self.report.kills += 1
            with self.db() as s:
                held = s.exec(select(SyncRun.id, SyncRun.resumes).where(
                    SyncRun.lease_owner == dead, SyncRun.state == "running")).all()
            for run_id, resumes in held:
                self.killed_runs.setdefault(run_id, resumes)

    def sync(self, acc: CampaignAccount) -> int:
        before = self.last_run_id(acc.account_id)
        acc.user.sync(acc.account_id)
        run_id = self.last_run_id(acc.account_id)
        assert run_id != before, f"[今すぐ同期] of account {acc.account_id} queued no run"
        return run_id

    def last_run_id(self, account_id: int) -> int | None:
        with self.db() as s:
            return s.exec(select(func.max(SyncRun.id)).where(SyncRun.account_id == account_id)).one()

    def campaign(self, accounts: list[CampaignAccount], workers: Workers) -> list[int]:
        plan, rng = self.plan, self.rng
        faulted = set(rng.sample(range(plan.syncs), round(plan.syncs * plan.fault_rate)))
        killing = set(rng.sample(range(plan.syncs), round(plan.syncs * plan.kill_rate)))
        self.report.kills_planned = len(killing)
        slots = min(plan.parallel, len(accounts))
        run_ids = []
        for i in range(plan.syncs):
            wait_for(lambda: self.pump(workers) or len(self.flights) < slots,
                     timeout=RUN_TIMEOUT, interval=0.02, message="a free slot for the next sync")
            acc = rng.choice([a for a in accounts if a.index not in self.flights])
            if rng.random() < 0.6:  # new statements at the bank since the last sync
                count = rng.randint(1, 5) if rng.random() < 0.7 else rng.randint(50, 250)
                self.sandbox.admin("POST", f"/banks/{acc.bank}/_sandbox/accounts/{acc.remote_id}"
                                   "/transactions", json={"count": count}).raise_for_status()
            if i in faulted:
                self.next_fault(acc.bank)
            run_id = self.sync(acc)
            run_ids.append(run_id)
            kill_at = rng.choice((0, 0, 50, 100, 200)) if i in killing else None
            if kill_at is None and self.kills_owed:
                self.kills_owed, kill_at = self.kills_owed - 1, 0
            self.flights[acc.index] = Flight(run_id, kill_at)
            self.report.syncs += 1
            if (i + 1) % 50 == 0:
                self.log(f"  {i + 1} syncs, {self.report.kills} kills")
        wait_for(lambda: self.pump(workers) or not self.flights, timeout=RUN_TIMEOUT, interval=0.05,
                 message="the campaign's runs to end")
        return run_ids

    def settle(self, accounts: list[CampaignAccount], workers: Workers) -> None:
        """Faults off, then every account synced until a run ends `done`."""
        for bank in BANKS:
            for fault in self.sandbox.admin("GET", f"/banks/{bank}/_sandbox/faults").json()["faults"]:
                self.report.faults_unused[fault["mode"]] += 1
            self.sandbox.admin("DELETE", f"/banks/{bank}/_sandbox/faults").raise_for_status()
        pending = list(accounts)
        for _ in range(3):
            runs = {acc.index: self.sync(acc) for acc in pending}
            self.report.final_syncs += len(runs)
            wait_for(lambda: all(self.run(r).state not in ACTIVE for r in runs.values()),  # noqa: B023
                     timeout=RUN_TIMEOUT, interval=0.1, message="the final syncs to end")
            pending = [acc for acc in pending if self.run(runs[acc.index]).state != "done"]
            if not pending:
                return
        self.report.problems.append(
            f"accounts {[a.account_id for a in pending]} did not end a clean sync `done`")

    def compare(self, accounts: list[CampaignAccount]) -> None:
        for acc in accounts:
            since = first_window_start(self.db, acc.account_id)
            bank = bank_truth(self.sandbox, acc.bank, acc.remote_id, since)
            with self.db() as s:
                rows = s.exec(select(Statement.dedupe_key, Statement.amount)
                              .where(Statement.account_id == acc.account_id)).all()
            keys = Counter(k for k, _ in rows)
            held = dict(rows)
            self.report.compared += len(bank)
            self.report.missing += sum(1 for k in bank if k not in keys)
            self.report.doubled += sum(n - 1 for n in keys.values()) + sum(1 for k in keys if k not in bank)
            self.report.wrong_amounts += sum(1 for k, amount in bank.items()
                                             if k in held and held[k] != amount)

    def totals(self) -> None:
        r = self.report
        with self.db() as s:
            r.stuck = s.exec(select(func.count()).select_from(SyncRun)
                             .where(SyncRun.state.in_(ACTIVE))).one()
            r.runs_total = s.exec(select(func.count()).select_from(SyncRun)).one()
            r.run_retries = s.exec(text("SELECT coalesce(sum(attempts - 1), 0) FROM sync_run "
                                        "WHERE attempts > 1")).one()[0]
            r.recoveries = s.exec(text("SELECT coalesce(sum(resumes), 0) FROM sync_run")).one()[0]
            for code, n in s.exec(select(SyncRun.error_code, func.count()).where(SyncRun.state == "failed")
                                  .group_by(SyncRun.error_code)).all():
                r.failed[code or "none"] += n
            for run_id, resumes in self.killed_runs.items():
                if s.get(SyncRun, run_id).resumes > resumes:
                    r.interrupted_recovered += 1
        r.interrupted = len(self.killed_runs)


def run_campaign(sandbox, portal, folder: Path, plan: Plan,
                 log: Callable[[str], None] = lambda line: None) -> Report:
    """The whole campaign on a served portal (settings: PORTAL_SETTINGS) and a sandbox whose
    profile `campaign_profile` has set."""
    started = time.monotonic()
    campaign = Campaign(sandbox, portal, Path(folder), plan, log)
    workers = Workers(portal.app.config, Path(folder) / "workers")
    try:
        log(f"linking {plan.accounts} accounts")
        with ThreadPoolExecutor(max_workers=4) as pool:
            accounts = list(pool.map(campaign.link, range(plan.accounts)))
        for acc in accounts:
            campaign.report.accounts_by_dialect[SANDBOX_BANKS[acc.bank]] += 1
        log(f"{plan.syncs} syncs")
        campaign.campaign(accounts, workers)
        log("final clean syncs")
        campaign.settle(accounts, workers)
        campaign.totals()
        campaign.compare(accounts)
        campaign.report.client_retries = workers.client_retries()
    finally:
        workers.stop()
    campaign.report.seconds = time.monotonic() - started
    return campaign.report
