"""The portal's settings for a test: a temporary SQLite file, no scheduler, fake banks."""
from pathlib import Path

from portal.crypto import generate_key

# Issuers on a closed port: web tests never reach a bank.
FAKE_BANKS = {"banks": {
    "0001": {"dialect": "gmo", "issuer": "http://127.0.0.1:9/banks/0001", "client_id": "c",
             "client_secret": "s"},
    "0038": {"dialect": "gmo", "issuer": "http://127.0.0.1:9/banks/0038", "client_id": "c",
             "client_secret": "s"},
}}


def portal_config(tmp_path: Path, **overrides) -> dict:
    cfg = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "TOKEN_KEYS": generate_key(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite'}",
        "SCHEDULER_ENABLED": False,
        "BANK_CONNECTIONS": FAKE_BANKS,
        "LOGIN_MAX_FAILURES": 5,
    }
    cfg.update(overrides)
    return cfg
