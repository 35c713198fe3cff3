"""Fixtures every test folder shares, defined once: a portal app on a temporary database,
its client and a signed-up user; the sandbox bank and a live portal served over HTTP;
`db`, sessions on the database of whichever portal the test uses.

The code behind them is in tests/support/, which the bench scripts import too.
"""
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session

from portal import create_app
from tests.support.auth import Auth
from tests.support.live_portal import serve_portal
from tests.support.mailbox import start_mailbox
from tests.support.portal_config import portal_config
from tests.support.sandbox_server import start_sandbox

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(session, config, items):
    """Every test id once: pytest-xdist's --dist loadfile (make test) keeps one test per id,
    so tests sharing an id would run as one, the rest silently never."""
    seen, repeated = set(), set()
    for item in items:
        (repeated if item.nodeid in seen else seen).add(item.nodeid)
    if repeated:
        raise pytest.UsageError(f"test ids collected more than once: {sorted(repeated)}")


def _compile_translations() -> None:
    # `make test` compiles them; a bare `pytest` run should see English too.
    mo = ROOT / "portal/translations/en/LC_MESSAGES/messages.mo"
    po = mo.with_suffix(".po")
    if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile",
                        "-d", str(ROOT / "portal/translations")], check=True)


_compile_translations()
# Hundreds of sign-ups: a fast password hash for this process and the portals it starts
# (the portal's own default is scrypt: tests/unit/portal/test_password_hash.py).
os.environ.setdefault("TSUNAGU_TEST_PASSWORD_HASH", "pbkdf2:sha256:1000")


@pytest.fixture
def app(tmp_path):
    app = create_app(portal_config(tmp_path), instance_path=str(tmp_path / "instance"))
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def mailbox():
    """A real SMTP server (aiosmtpd) on a free port; `.settings()` points a portal at it."""
    box, controller = start_mailbox()
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    """The sandbox bank as a real subprocess, one for the whole run."""
    server = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    yield server
    server.stop()


@pytest.fixture
def live_portal(tmp_path, sandbox, request):
    """A real portal on a free port, registered at the sandbox, its scheduler running.

    `@pytest.mark.portal_config(KEY=value)` adds settings."""
    marker = request.node.get_closest_marker("portal_config")
    with serve_portal(tmp_path, sandbox, **(dict(marker.kwargs) if marker else {})) as portal:
        yield portal


@pytest.fixture
def db(request) -> Callable[[], Session]:
    """`with db() as s:` — a new session on the database of the portal this test uses:
    the live server's when the test uses `live_portal`, otherwise the `app` fixture's.

    A new session for each block, as the portal's own requests do: a session kept for the
    whole test would answer later reads from its identity map and never see what the
    server's scheduler committed since."""
    if "live_portal" in request.fixturenames:
        app = request.getfixturevalue("live_portal").app
    else:
        app = request.getfixturevalue("app")
    engine = app.extensions["db_engine"]
    return lambda: Session(engine)
