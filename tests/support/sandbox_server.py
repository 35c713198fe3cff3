"""Run the sandbox bank as a real subprocess for any test suite.

    server = start_sandbox(tmp_path, clients=[{...}])
    server.bank_url("0310")          # issuer of a bank
    server.admin("POST", "/banks/0310/_sandbox/faults", json={"mode": "maintenance"})
    server.stop()
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

READY_PREFIX = "SANDBOX_BANK_READY "
ROOT = Path(__file__).resolve().parents[2]  # the repository: `python -m sandbox_bank` runs there


class SandboxServer:
    def __init__(self, process: subprocess.Popen, url: str, admin_token: str, log_path: Path):
        self.process = process
        self.url = url
        self.admin_token = admin_token
        self.log_path = log_path
        # One pooled client: a fresh httpx client per call costs far more than the call.
        self.http = httpx.Client(timeout=30)

    def bank_url(self, code: str) -> str:
        """The bank's issuer, e.g. http://127.0.0.1:PORT/banks/0310."""
        return f"{self.url}/banks/{code}"

    def admin(self, method: str, path: str, json: dict | None = None) -> httpx.Response:
        return self.http.request(method, self.url + path, json=json,
                                 headers={"X-Sandbox-Admin-Token": self.admin_token})

    def register_client(self, client_id: str, client_secret: str, redirect_uris, name: str = ""):
        response = self.admin("POST", "/_sandbox/clients", json={
            "client_id": client_id, "client_secret": client_secret,
            "redirect_uris": list(redirect_uris), "name": name or client_id,
        })
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process.stdout:
            self.process.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_sandbox(tmp_path, *, clients=(), config=None, timeout: float = 30.0) -> SandboxServer:
    """Start `python -m sandbox_bank --port 0` and wait (polling, with a deadline) for its
    READY line. Default test settings: always open, a random admin token."""
    tmp_path = Path(tmp_path)
    tmp_path.mkdir(parents=True, exist_ok=True)
    admin_token = secrets.token_urlsafe(16)
    settings = {"ADMIN_TOKEN": admin_token, "SERVICE_HOURS_ALWAYS_OPEN": True,
                "CLIENTS": list(clients)}
    settings.update(config or {})
    admin_token = settings["ADMIN_TOKEN"]
    config_path = tmp_path / f"sandbox-bank-{secrets.token_hex(4)}.json"
    config_path.write_text(json.dumps(settings), encoding="utf-8")
    log_path = config_path.with_suffix(".log")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
    env["PYTHONUNBUFFERED"] = "1"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "sandbox_bank", "--port", "0", "--config", str(config_path)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True,
        )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump():
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            process.kill()
            raise RuntimeError(f"sandbox bank not ready in {timeout}s; see {log_path}")
        try:
            line = lines.get(timeout=min(left, 0.5))
        except queue.Empty:
            continue
        if line is None:
            process.wait(timeout=5)
            raise RuntimeError(f"sandbox bank exited ({process.returncode}); "
                               f"stderr: {log_path.read_text(errors='replace')[-2000:]}")
        if line.startswith(READY_PREFIX):
            url = line[len(READY_PREFIX):].strip()
            return SandboxServer(process, url, admin_token, log_path)
