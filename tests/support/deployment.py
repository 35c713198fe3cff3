"""The production layout as real processes on one PostgreSQL database: gunicorn serving
`app:app` (no background work), `flask worker` processes and a `flask scheduler`, all
configured through TSUNAGU_* environment variables as deploy/ does.

    with Deployment(folder, settings, web_workers=2) as dep:
        dep.start_workers(3); dep.start_scheduler()
        dep.url, dep.workers[0].kill()
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.flows import wait_for

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_env(settings: dict, instance_dir: Path) -> dict:
    """Settings as the processes of a deployment read them: TSUNAGU_<KEY>, JSON unless a string."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    env.update(TSUNAGU_INSTANCE_DIR=str(instance_dir), PYTHONUNBUFFERED="1")
    for key, value in settings.items():
        env[f"TSUNAGU_{key}"] = value if isinstance(value, str) else json.dumps(value)
    return env


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Proc:
    name: str
    process: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def holds(self, lease_owner: str | None) -> bool:
        # A lease owner is "host:pid:random" (portal.services.sync_run.new_worker_id).
        return lease_owner is not None and lease_owner.split(":")[-2] == str(self.pid)

    def kill(self) -> None:
        """SIGKILL: no cleanup, as a crash or the OOM killer would."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


class Deployment:
    def __init__(self, folder: Path, settings: dict, *, web_workers: int = 2, port: int | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.settings = {"RUN_MIGRATIONS_ON_START": False, **settings}
        self.web_workers = web_workers
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.client_id = ""  # the OAuth client id the deployment has at the bank
        self.web: Proc | None = None
        self.workers: list[Proc] = []
        self.schedulers: list[Proc] = []
        self._started = 0

    def _spawn(self, name: str, argv: list[str], extra_env: dict | None = None) -> Proc:
        folder = self.folder / name
        folder.mkdir(parents=True, exist_ok=True)
        log_path = folder / "process.log"
        env = process_env(self.settings, self.folder / "instance")
        env.update(extra_env or {})
        with log_path.open("ab") as log:
            process = subprocess.Popen([sys.executable, *argv], cwd=ROOT, env=env, stdout=log,
                                       stderr=subprocess.STDOUT)
        return Proc(name, process, log_path)

    def migrate(self) -> None:
        """What the one-off `flask db upgrade` does before the processes start (in this
        process: one interpreter fewer to start on a busy machine)."""
        from sqlalchemy import create_engine

        from portal.migrate import upgrade

        engine = create_engine(self.settings["DATABASE_URL"])
        try:
            upgrade(engine)
        finally:
            engine.dispose()

    def start_web(self, app: str = "app:app", *gunicorn_args: str) -> Proc:
        """gunicorn as deploy/ runs it: its config file, `app:app` (or another WSGI app)."""
        self.web = self._spawn("web", ["-m", "gunicorn", "-c", str(GUNICORN_CONF), *gunicorn_args,
                                       app], {
            "TSUNAGU_BIND": f"127.0.0.1:{self.port}", "TSUNAGU_WEB_WORKERS": str(self.web_workers)})
        return self.web

    def start_worker(self, *args: str) -> Proc:
        self._started += 1
        worker = self._spawn(f"worker{self._started}", ["-m", "flask", "--app", "app", "worker", *args])
        self.workers.append(worker)
        return worker

    def start_scheduler(self, **extra_env) -> Proc:
        proc = self._spawn(f"scheduler{len(self.schedulers) + 1}",
                           ["-m", "flask", "--app", "app", "scheduler"], extra_env)
        self.schedulers.append(proc)
        return proc

    def wait_ready(self, timeout: float = 180.0) -> None:
        """Web answers and every background process says it runs (each loads the app first)."""
        def answers() -> bool:
            for proc in [self.web, *self.workers, *self.schedulers]:
                if proc is not None and proc.process.poll() is not None:
                    raise AssertionError(f"{proc.name} exited ({proc.process.returncode}):\n"
                                         f"{proc.log()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/login", timeout=2).status_code != 200:
                    return False
            except httpx.TransportError:
                return False
            return all("running; stop with" in p.log() for p in [*self.workers, *self.schedulers])

        wait_for(answers, timeout=timeout, interval=0.2, message="the deployment's processes to start")

    def web_pids(self) -> set[int]:
        """gunicorn's master and its workers."""
        out = subprocess.run(["pgrep", "-P", str(self.web.pid)], capture_output=True, text=True).stdout
        return {self.web.pid, *(int(p) for p in out.split())}

    def stop(self) -> None:
        for proc in [*self.workers, *self.schedulers, self.web]:
            if proc is not None:
                proc.stop()

    def __enter__(self) -> Deployment:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
