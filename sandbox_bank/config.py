"""Settings: defaults, then SANDBOX_* environment, then a JSON file, then the given mapping."""

from __future__ import annotations

import json
import os
import secrets

DEFAULTS: dict = {
    "CLIENTS": [],  # [{client_id, client_secret, redirect_uris, name}]
    "ADMIN_TOKEN": None,  # admin endpoints answer 403 while unset
    "SECRET_KEY": None,  # random per process when unset
    "ACCESS_TOKEN_TTL": None,  # seconds; None = each bank profile's value (3600)
    "CONSENT_TTL": None,  # seconds; None = each bank profile's value (90 or 365 days)
    "CODE_TTL": 60,
    "PAGE_SIZE": 500,
    "SERVICE_HOURS_ALWAYS_OPEN": False,
    "RATE_LIMIT": None,  # {"requests": n, "per_seconds": s} for every bank
    "ONE_GRANT_PER_USER": None,  # None = profile value (on)
    "STATE_FILE": None,  # SQLite file; None = in memory only
    "SEED": 1,
    "VOLUME": None,  # {"users": n, "accounts": m, "statements": k, "seed": s}
    "PUBLIC_URL": None,  # e.g. http://127.0.0.1:5001; None = from the request's Host
    "CONFIG_FILE": None,
}


def load_config(mapping: dict | None = None, env: dict | None = None) -> dict:
    config = dict(DEFAULTS)
    config.update(_from_env(os.environ if env is None else env))
    path = (mapping or {}).get("CONFIG_FILE") or config.get("CONFIG_FILE")
    if path:
        with open(path, encoding="utf-8") as handle:
            config.update(json.load(handle))
    config.update(mapping or {})
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = secrets.token_hex(32)
    return config


def _from_env(env) -> dict:
    # Same rule as Flask's from_prefixed_env: values are JSON when they parse, else strings.
    found = {}
    for key, value in env.items():
        if not key.startswith("SANDBOX_"):
            continue
        try:
            found[key[len("SANDBOX_"):]] = json.loads(value)
        except json.JSONDecodeError:
            found[key[len("SANDBOX_"):]] = value
    return found
