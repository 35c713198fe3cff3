"""One real sandbox-bank subprocess for the whole sandbox suite.

Each test registers its own OAuth client, so consents never collide between tests; faults
and profile changes are undone after each test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.sandbox_server import start_sandbox

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bank_api import PAGE_SIZE  # noqa: E402
from bank_flow import new_client  # noqa: E402

BANKS = ("0001", "0010", "0038", "0310")


@pytest.fixture(scope="session")
def bank(tmp_path_factory):
    server = start_sandbox(tmp_path_factory.mktemp("sandbox-bank"), config={
        "PAGE_SIZE": PAGE_SIZE,
        "RATE_LIMIT": {"requests": 100_000, "per_seconds": 1},
    })
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _clean_bank(request):
    if "bank" not in request.fixturenames:
        yield
        return
    server = request.getfixturevalue("bank")
    yield
    for code in BANKS:
        server.admin("DELETE", f"/banks/{code}/_sandbox/faults")


@pytest.fixture
def client(bank):
    return new_client(bank)


@pytest.fixture
def patch_profile(bank):
    """PATCH a bank's profile for one test; the old values come back afterwards."""
    saved = {}

    def patch(code: str, **changes):
        before = bank.admin("GET", f"/banks/{code}/_sandbox/profile").json()
        saved.setdefault(code, {k: before[k] for k in changes})
        response = bank.admin("PATCH", f"/banks/{code}/_sandbox/profile", json=changes)
        assert response.status_code == 200, response.text
        return response.json()

    yield patch
    for code, values in saved.items():
        assert bank.admin("PATCH", f"/banks/{code}/_sandbox/profile", json=values).is_success
