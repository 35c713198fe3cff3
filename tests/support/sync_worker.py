"""`flask sync worker` as a real process on a portal's database, to be killed at will.

    worker = SyncWorker.start(portal.app.config, tmp_path)
    worker.kill()     # SIGKILL: no cleanup, as a crash or the OOM killer would
"""
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support.flows import wait_for

ROOT = Path(__file__).resolve().parents[2]
SHARED = ("DATABASE_URL", "SECRET_KEY", "TOKEN_KEYS", "BANK_CONNECTIONS", "SYNC_LEASE_SECONDS",
          "SYNC_DISPATCH_SECONDS", "SYNC_WORKERS", "BANK_HTTP_TIMEOUT", "BANK_MAX_RETRY_WAIT")


def worker_env(config, instance_dir: Path) -> dict:
    """The environment that gives a worker process the portal's own settings."""
    env = {**os.environ, "TSUNAGU_INSTANCE_DIR": str(instance_dir), "TSUNAGU_SCHEDULER_ENABLED": "true",
           "PYTHONUNBUFFERED": "1"}
    for key in SHARED:
        value = config[key]
        env[f"TSUNAGU_{key}"] = value if isinstance(value, str) else json.dumps(value)
    return env


@dataclass
class SyncWorker:
    process: subprocess.Popen
    log_path: Path

    @classmethod
    def start(cls, config, folder: Path, name: str = "worker") -> "SyncWorker":
        folder.mkdir(parents=True, exist_ok=True)
        log_path = folder / f"{name}.log"
        log = log_path.open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "sync", "worker"], cwd=ROOT,
            env=worker_env(config, folder / "instance"), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return cls(process, log_path)

    def wait_ready(self, timeout: float = 60) -> None:
        """Until the worker says it runs (importing the portal takes seconds on a busy machine;
        a worker still starting cannot take anything over)."""
        wait_for(lambda: b"running; stop with" in self.log_path.read_bytes(), timeout=timeout,
                 message=f"worker {self.pid} to start (log: {self.log_path})")

    @property
    def pid(self) -> int:
        return self.process.pid

    def holds(self, lease_owner: str | None) -> bool:
        # A lease owner is "host:pid:random" (portal.services.sync_run.new_worker_id).
        return lease_owner is not None and lease_owner.split(":")[-2] == str(self.pid)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
