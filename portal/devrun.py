"""`make run`: the portal and the sandbox bank together, on SQLite under instance/.

First start writes the instance files (secrets, the sandbox's client list, the portal's bank
connections pointing at the sandbox); later starts reuse them, so consents survive restarts.
Every start rewrites the sandbox's client (redirect URIs for this PORTAL_PORT, secret, name),
so starting again on other ports just works.

Environment: PORTAL_PORT (5000), BANK_PORT (5001), TSUNAGU_INSTANCE_DIR (instance/ of the
project) for the folder holding all of the above.

Without a MAIL_HOST configured, a local SMTP server in this process catches the portal's
e-mails and prints them to the console.
"""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import yaml
from werkzeug.serving import run_simple

from . import demo_secrets, private_files

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"  # default; TSUNAGU_INSTANCE_DIR names another folder
SANDBOX_BANKS = ("0001", "0010", "0038", "0310")
CLIENT_ID = "tsunagu-demo"


def instance_dir() -> Path:
    configured = os.environ.get("TSUNAGU_INSTANCE_DIR")
    return Path(configured).expanduser().resolve() if configured else INSTANCE


def _sandbox_profile(status_url: str) -> dict:
    """What the sandbox publishes about a bank: consent lifetime, history depth, rate limit."""
    import httpx

    data = httpx.get(status_url, timeout=10).json()
    return {"consent_days": max(1, int(data["consentTtl"]) // 86400),
            "history_months_by_type": data.get("historyMonths", {}),
            "rate_limit": data["rateLimit"]}


def _write_sandbox_config(instance: Path, s: dict, portal_port: int) -> Path:
    redirects = [f"http://{h}:{portal_port}/oauth/callback" for h in ("127.0.0.1", "localhost")]
    sandbox_cfg = {
        "CLIENTS": [{"client_id": CLIENT_ID, "client_secret": s["client_secret"],
                     "redirect_uris": redirects, "name": "つなぐ (Tsunagu demo)"}],
        "ADMIN_TOKEN": s["admin_token"], "SECRET_KEY": s["sandbox_secret_key"],
        "STATE_FILE": str(instance / "sandbox_bank.sqlite"),
    }
    sandbox_path = instance / "sandbox.json"
    sandbox_path.write_text(json.dumps(sandbox_cfg, ensure_ascii=False, indent=2))
    sandbox_path.chmod(0o600)
    return sandbox_path


def _write_bank_connections(instance: Path, s: dict, bank_port: int) -> None:
    """The portal's instance/banks.yaml: every sandbox bank, as the sandbox describes it."""
    base = f"http://127.0.0.1:{bank_port}/banks"
    banks = {"banks": {code: {
        "dialect": "mufg" if code == "0010" else "gmo",
        "issuer": f"{base}/{code}", "client_id": CLIENT_ID, "client_secret": s["client_secret"],
        "status_url": f"{base}/{code}/_sandbox/status",
        **_sandbox_profile(f"{base}/{code}/_sandbox/status"),
        "notes": ["これはサンドボックス銀行です。デモ用のログイン: yamada / password"],
    } for code in SANDBOX_BANKS}}
    banks_path = instance / "banks.yaml"
    banks_path.write_text(yaml.safe_dump(banks, allow_unicode=True, sort_keys=False))
    banks_path.chmod(0o600)


def _start_sandbox(config: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
        [sys.executable, "-m", "sandbox_bank", "--port", str(port), "--config", str(config)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:  # blocks until the sandbox says it listens, or exits
        if line.startswith("SANDBOX_BANK_READY"):
            return proc
        sys.stdout.write(line)
    raise SystemExit(f"the sandbox bank did not start (exit code {proc.wait()})")


class _PrintingMailbox:
    """aiosmtpd handler: every mail the portal sends is printed here, not delivered."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        part = message.get_body(preferencelist=("plain",))
        print(f"\n===== mail caught (not sent) =====\nTo: {message['To']}\n"
              f"Subject: {message['Subject']}\n\n{part.get_content() if part else ''}"
              f"===== end of mail =====\n", flush=True)
        return "250 OK"


def _catch_mail(app) -> object | None:
    """Unless MAIL_HOST is configured: a local SMTP server that prints what it gets, and the
    portal sending to it. Returns the server (to stop), or None."""
    if app.config.get("MAIL_HOST"):
        return None
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(_PrintingMailbox(), hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=port, MAIL_SECURITY="none",
                      MAIL_FROM="tsunagu@localhost")
    if app.config.get("SIGNUP_CONFIRM_BY_MAIL") is None:  # the demo signs up at once, as before
        app.config["SIGNUP_CONFIRM_BY_MAIL"] = False
    return controller


def main() -> None:
    portal_port = int(os.environ.get("PORTAL_PORT", "5000"))
    bank_port = int(os.environ.get("BANK_PORT", "5001"))
    instance = instance_dir()
    # Only this user may read what the portal and the sandbox write: the umask covers every
    # file either process creates (the sandbox inherits it), close_tree what is there already.
    os.umask(0o077)
    private_files.close_tree(instance)
    s = demo_secrets.ensure(instance)
    sandbox_config = _write_sandbox_config(instance, s, portal_port)
    os.environ.setdefault("TSUNAGU_SECRET_KEY", s["secret_key"])
    os.environ.setdefault("TSUNAGU_TOKEN_KEYS", s["token_keys"])
    sandbox = _start_sandbox(sandbox_config, bank_port)
    _write_bank_connections(instance, s, bank_port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    background = catcher = None
    try:
        from . import create_app
        from .jobs import start_background

        app = create_app(instance_path=str(instance))
        if not app.config.get("PUBLIC_URL"):
            app.config["PUBLIC_URL"] = f"http://127.0.0.1:{portal_port}"
        catcher = _catch_mail(app)
        if catcher is not None:  # the demo's notices come round every minute, not five
            app.config["NOTICE_CHECK_SECONDS"] = min(app.config["NOTICE_CHECK_SECONDS"], 60)
        # The demo is one process: web, sync threads and scheduled jobs together.
        background = start_background(app)
        print(f"""
  つなぐ Tsunagu portal   http://127.0.0.1:{portal_port}/
  Sandbox bank (NOT a bank) http://127.0.0.1:{bank_port}/
  Demo bank login: yamada / password   (corporate, 電子証明書でログイン: hojin)
  Press Ctrl-C to stop both.
""", flush=True)
        if catcher is not None:
            print("  E-mails are not sent: each one is printed here.\n", flush=True)
        run_simple("127.0.0.1", portal_port, app, threaded=True, use_reloader=False)
    except KeyboardInterrupt:
        pass
    finally:
        if background is not None:
            background.stop()
        if catcher is not None:
            catcher.stop()
        sandbox.terminate()
        try:
            sandbox.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sandbox.kill()


if __name__ == "__main__":
    main()
