"""`flask notices run` as real processes on a portal's database, several started at once, the
way several workers or cron jobs would notice the same event together."""
import subprocess
import sys
from pathlib import Path

from tests.support.sync_worker import ROOT, worker_env


def run_notices_together(config, mailbox, instance_dir: Path, count: int) -> list[tuple[str, int]]:
    """Start `count` processes at once, sending to `mailbox`; (output, exit code) of each."""
    env = worker_env(config, instance_dir)
    env.update({"TSUNAGU_MAIL_HOST": mailbox.host, "TSUNAGU_MAIL_PORT": str(mailbox.port),
                "TSUNAGU_MAIL_SECURITY": "none", "TSUNAGU_MAIL_FROM": "tsunagu@example.jp"})
    if config.get("PUBLIC_URL"):
        env["TSUNAGU_PUBLIC_URL"] = config["PUBLIC_URL"]
    processes = [subprocess.Popen(  # noqa: S603 (fixed argv)
        [sys.executable, "-m", "flask", "--app", "app", "notices", "run"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(count)]
    return [(p.communicate(timeout=120)[0], p.returncode) for p in processes]
