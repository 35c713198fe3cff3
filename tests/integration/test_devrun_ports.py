"""`make run` again on other ports: the sandbox bank's client follows the new redirect URIs,
so a consent completes on the second start against the same instance folder."""
import os
import signal
import socket
import stat
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.flows import PortalUser, wait_for

ROOT = Path(__file__).resolve().parents[2]
FLASH_OK = "みずほ銀行との連携が許可されました"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Portal:
    """What PortalUser needs of a portal: an HTTP client on its URL."""

    def __init__(self, url: str):
        self.url = url

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)


def _answers(url: str, process: subprocess.Popen, log: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"the launcher exited ({process.returncode}):\n"
                             f"{log.read_text(errors='replace')[-3000:]}")
    try:
        return httpx.get(f"{url}/login", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _stop(process: subprocess.Popen) -> None:
    """End the launcher's whole process group: the portal and the sandbox bank it started."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue
        if sig == signal.SIGTERM:
            try:  # the launcher is gone; make sure nothing of its group outlives it
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            return


@contextmanager
def make_run(instance: Path, portal_port: int, bank_port: int, log: Path):
    """`python -m portal.devrun` as `make run` starts it, with its own instance folder."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TSUNAGU_", "SANDBOX_")) and k != "DATABASE_URL"}
    env.update(PORTAL_PORT=str(portal_port), BANK_PORT=str(bank_port),
               TSUNAGU_INSTANCE_DIR=str(instance), PYTHONUNBUFFERED="1")
    with open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "portal.devrun"], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{portal_port}"
        wait_for(lambda: _answers(url, process, log), timeout=25, interval=0.1,
                 message=f"the portal on {url}")
        yield Portal(url)
    finally:
        _stop(process)


def test_second_start_on_other_ports_completes_a_consent(tmp_path):
    instance = tmp_path / "instance"
    log = tmp_path / "devrun.log"
    with make_run(instance, free_port(), free_port(), log):
        pass
    # The first start left the sandbox's saved state, with the client registered for its port.
    assert (instance / "sandbox_bank.sqlite").exists()
    with make_run(instance, free_port(), free_port(), log) as portal:
        user = PortalUser(portal).signup()
        account_id = user.register("0001")
        back = user.consent(account_id, login="yamada", password="password")
        assert back.status_code == 303 and back.headers["Location"] == "/", back.text
        assert FLASH_OK in user.http.get("/").text


def test_make_run_leaves_the_instance_folder_private(tmp_path):
    """The portal's database (-wal, -shm), the demo's secrets, the bank connections, the
    sandbox's config and its state file (plaintext bank-side tokens): 0600 in a 0700 folder,
    though the launcher was started with a umask that makes files 0644."""
    instance = tmp_path / "instance"
    old = os.umask(0o022)
    try:
        with make_run(instance, free_port(), free_port(), tmp_path / "devrun.log") as portal:
            user = PortalUser(portal).signup()
            user.register("0001")
            found = {str(p.relative_to(instance)): stat.S_IMODE(p.stat().st_mode)
                     for p in instance.rglob("*")}
    finally:
        os.umask(old)
    assert {"tsunagu.sqlite", "tsunagu.sqlite-wal", "tsunagu.sqlite-shm", "sandbox_bank.sqlite",
            "dev-secrets.json", "sandbox.json", "banks.yaml"} <= set(found), found
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    wrong = {name: oct(mode) for name, mode in found.items()
             if mode != (0o700 if (instance / name).is_dir() else 0o600)}
    assert not wrong, wrong
