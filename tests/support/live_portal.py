"""A real portal served over HTTP on a free port, registered at the sandbox bank as its client.

    with serve_portal(tmp_path, sandbox) as portal:
        portal.url, portal.app, portal.http()
"""
import secrets
import threading
from contextlib import contextmanager

import httpx
from werkzeug.serving import make_server

from portal import create_app
from tests.support.portal_config import portal_config

SANDBOX_BANKS = {"0001": "gmo", "0010": "mufg", "0038": "gmo", "0310": "gmo"}


class LateApp:
    """Lets the server pick its port before the app (whose config needs the port) exists."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


class LivePortal:
    def __init__(self, app, url, client_id):
        self.app, self.url, self.client_id = app, url, client_id

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)


def _published(sandbox, code) -> dict:
    status = httpx.get(f"{sandbox.bank_url(code)}/_sandbox/status", timeout=10).json()
    return {"consent_days": max(1, int(status["consentTtl"]) // 86400),
            "history_months_by_type": status["historyMonths"]}


def bank_connections(sandbox, client_id, secret, **extra):
    """The portal's bank config for every sandbox bank, as the sandbox publishes it;
    `extra` overrides any field."""
    return {"banks": {code: {"dialect": dialect, "issuer": sandbox.bank_url(code),
                             "client_id": client_id, "client_secret": secret,
                             "status_url": f"{sandbox.bank_url(code)}/_sandbox/status",
                             **_published(sandbox, code), **extra}
                      for code, dialect in SANDBOX_BANKS.items()}}


@contextmanager
def serve_portal(tmp_path, sandbox, **overrides):
    """A portal served on a free port, registered at the sandbox as its own OAuth client."""
    bank_extra = overrides.pop("bank_extra", {})
    late = LateApp()
    server = make_server("127.0.0.1", 0, late, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    client_id, client_secret = f"portal-{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    sandbox.register_client(client_id=client_id, client_secret=client_secret,
                            redirect_uris=[f"{url}/oauth/callback"], name="つなぐ (test)")
    settings = {"BANK_CONNECTIONS": bank_connections(sandbox, client_id, client_secret, **bank_extra),
                "SCHEDULER_ENABLED": True, "SYNC_DISPATCH_SECONDS": 0.2, **overrides}
    cfg = portal_config(tmp_path, **settings)
    late.app = create_app(cfg, instance_path=str(tmp_path / "instance"))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield LivePortal(late.app, url, client_id)
    finally:
        server.shutdown()
        late.app.extensions.get("stop_background", lambda: None)()
        late.app.extensions["db_engine"].dispose()
