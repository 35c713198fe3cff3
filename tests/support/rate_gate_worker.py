"""One worker process hammering a sandbox bank's API through its own rate gate, as a sync
worker on another machine would (several sync threads sharing the process's gate):
`python -m tests.support.rate_gate_worker CONFIG_JSON`.

CONFIG_JSON: {"url": the API URL, "token": access token, "calls": per thread, "threads": n,
"bank": "0310", "rate_limit": {"requests", "per_seconds"}, "settings": the portal settings for
the gate (BANK_RATE_STORAGE_URI…), "database_url": optional, "gate": false to go ungated}.
Prints READY, waits for a line on stdin (so all workers start together), makes its calls,
and prints one JSON line {"statuses": {status: count}, "late": the longest oversleep,
"rebooked": slots given up}."""
import json
import sys
import threading
import time
from collections import Counter

import httpx
from sqlalchemy import create_engine

from portal.banks.rate_gate import make_rate_gate
from portal.banks.registry import BankRegistry


def main(config: dict) -> None:
    registry = BankRegistry.from_mapping({"banks": {config["bank"]: {
        "issuer": "https://bank.example", "client_id": "c", "client_secret": "s",
        "rate_limit": config["rate_limit"]}}})
    engine = create_engine(config["database_url"]) if config.get("database_url") else None
    statuses: Counter = Counter()
    lock = threading.Lock()
    late = [0.0]

    def sleep(seconds: float) -> None:
        # How much later than asked the thread woke: jitter the gate's headroom must cover.
        started = time.monotonic()
        time.sleep(seconds)
        with lock:
            late[0] = max(late[0], time.monotonic() - started - seconds)

    gate = make_rate_gate(config.get("settings", {}), engine, registry, sleep=sleep)
    go = threading.Event()

    def calls(http: httpx.Client) -> None:
        go.wait()
        for _ in range(config["calls"]):
            if config.get("gate", True):
                gate(config["bank"])
            status = http.get(config["url"]).status_code
            with lock:
                statuses[status] += 1

    with httpx.Client(timeout=30, headers={"x-access-token": config["token"]}) as http:
        threads = [threading.Thread(target=calls, args=(http,))
                   for _ in range(config.get("threads", 1))]
        for thread in threads:
            thread.start()
        print("READY", flush=True)
        sys.stdin.readline()
        go.set()
        for thread in threads:
            thread.join()
    print(json.dumps({"statuses": statuses, "late": late[0], "rebooked": gate.rebooked}), flush=True)
    if engine is not None:
        engine.dispose()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
