"""Several worker processes, each with its own rate gate on one shared store (PostgreSQL or
Redis), hammer the sandbox bank's API as one client: the bank refuses none of their calls,
and they still get close to the limit. Ungated, or gated each on its own, the same hammering
goes over the limit, which proves the bank's counter sees it."""
import json
import subprocess
import sys
import time
from collections import Counter

import pytest
import redis
from sqlalchemy import create_engine

from portal import migrate
from tests.sandbox.bank_flow import connect, new_client
from tests.support.postgres import fresh_database, server_answers
from tests.support.sandbox_server import ROOT, start_sandbox
from tests.unit.banks.test_rate_gate import REDIS_URL, _redis_answers

BANK = "0310"
LIMIT = {"requests": 20, "per_seconds": 2}
# The headroom is the whole margin for a call reaching the bank later than its slot: the
# gate rebooks a thread that wakes late, but after it returns the call may still wait for a
# core, and then for the bank's own threads. With the whole suite running beside this test
# that once took over the default 10 % of 2 s (one 429 in 64 calls); 25 % gives 500 ms.
HEADROOM = 0.25
WORKERS, THREADS, CALLS = 4, 4, 4  # processes, sync threads in each, calls per thread


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    server = start_sandbox(tmp_path_factory.mktemp("rate-gate-bank"), config={"RATE_LIMIT": LIMIT})
    yield server
    server.stop()


@pytest.fixture
def caller(bank):
    """A fresh OAuth client of the bank (its own counts) and an access token of it."""
    client = new_client(bank)
    return client.client_id, connect(bank, BANK, client)["access_token"]


def hammer(bank, token: str, **worker) -> tuple[Counter, float]:
    """WORKERS processes of THREADS threads make CALLS calls each, started together;
    (statuses, seconds)."""
    config = {"url": f"{bank.bank_url(BANK)}/personal/v1/accounts", "token": token,
              "calls": CALLS, "threads": THREADS, "bank": BANK, "rate_limit": LIMIT, **worker}
    config["settings"] = {"BANK_RATE_HEADROOM": HEADROOM, **config.get("settings", {})}
    procs = [subprocess.Popen([sys.executable, "-m", "tests.support.rate_gate_worker",
                               json.dumps(config)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for _ in range(WORKERS)]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == "READY"
        started = time.monotonic()
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = [proc.communicate(timeout=120)[0] for proc in procs]
        elapsed = time.monotonic() - started
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert all(proc.returncode == 0 for proc in procs), outputs
    statuses: Counter = Counter()
    for output in outputs:
        statuses.update({int(k): v for k, v in json.loads(output)["statuses"].items()})
    late = max(json.loads(output)["late"] for output in outputs)
    rebooked = sum(json.loads(output)["rebooked"] for output in outputs)
    print(f"\nlongest oversleep of a gated thread: {late * 1000:.0f} ms, slots booked again: {rebooked}")
    return statuses, elapsed


def bank_counts(bank, client_id: str) -> dict:
    response = bank.admin("GET", f"/banks/{BANK}/_sandbox/rate-limit")
    assert response.status_code == 200, response.text
    return response.json()["clients"].get(client_id, {"allowed": 0, "over_limit": 0})


@pytest.fixture(scope="module")
def raw_rate(bank):
    """Calls per second this machine's bank and workers manage with no limit at all: what
    the gated rate is compared with (a loaded machine may not reach the limit anyway)."""
    client = new_client(bank)
    token = connect(bank, BANK, client)["access_token"]
    path = f"/banks/{BANK}/_sandbox/profile"
    assert bank.admin("PATCH", path, json={"rate_limit": {"requests": 10**6, "per_seconds": 1}})
    try:
        statuses, elapsed = hammer(bank, token, gate=False)
    finally:
        assert bank.admin("PATCH", path, json={"rate_limit": LIMIT}).is_success
    assert statuses == {200: WORKERS * THREADS * CALLS}
    print(f"\nraw: {WORKERS * THREADS * CALLS} calls in {elapsed:.2f} s, "
          f"{WORKERS * THREADS * CALLS / elapsed:.1f}/s")
    return WORKERS * THREADS * CALLS / elapsed


@pytest.fixture(params=[
    pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.skipif(
        not server_answers(), reason="no PostgreSQL server answers")]),
    pytest.param("redis", marks=pytest.mark.skipif(not _redis_answers(), reason="no Redis answers")),
])
def shared_store(request):
    """What each worker is given to share: a PostgreSQL database, or a Redis."""
    if request.param == "postgres":
        with fresh_database() as url:
            engine = create_engine(url)
            migrate.upgrade(engine)
            engine.dispose()
            yield {"database_url": url, "settings": {}}
        return
    redis.Redis.from_url(REDIS_URL).delete(f"tsunagu:bank-rate:{BANK}")  # a past run's slot
    yield {"settings": {"BANK_RATE_STORAGE_URI": REDIS_URL}}


def test_workers_sharing_a_gate_never_go_over_the_bank_limit(bank, caller, shared_store, raw_rate):
    client_id, token = caller
    statuses, elapsed = hammer(bank, token, **shared_store)
    total = WORKERS * THREADS * CALLS
    rate = total / elapsed
    print(f"\n{total} calls by {WORKERS}×{THREADS} threads in {elapsed:.2f} s: {rate:.1f}/s "
          f"(limit {LIMIT['requests']}/{LIMIT['per_seconds']} s, {rate / LIMIT['requests']:.0%})")
    assert statuses == {200: total}
    assert bank_counts(bank, client_id) == {"allowed": total, "over_limit": 0}
    # Not absurdly slow: a quarter of the limit, or of what this machine manages unlimited
    # (a busy machine makes late threads give up slots; the figures are printed above).
    assert rate >= 0.25 * min(LIMIT["requests"] / LIMIT["per_seconds"], raw_rate)


@pytest.mark.parametrize("worker", [
    pytest.param({"gate": False}, id="no-gate"),
    pytest.param({"settings": {"BANK_RATE_STORAGE_URI": "memory://"}}, id="gate-per-process"),
])
def test_the_same_hammering_unshared_goes_over_the_limit(bank, caller, worker):
    client_id, token = caller
    statuses, elapsed = hammer(bank, token, **worker)
    counts = bank_counts(bank, client_id)
    print(f"\n{sum(statuses.values())} calls in {elapsed:.2f} s: {dict(statuses)}; bank: {counts}")
    assert counts["over_limit"] > 0 and statuses[429] == counts["over_limit"]
    assert counts["allowed"] + counts["over_limit"] == WORKERS * THREADS * CALLS
