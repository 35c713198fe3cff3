"""Bank connections: which banks sync by API and how, loaded from configuration.

The file (YAML) or mapping looks like:

    banks:
      "0001":
        dialect: gmo                      # gmo | mufg
        issuer: https://bank.example/banks/0001
        client_id: tsunagu
        client_secret_env: BANK_0001_CLIENT_SECRET   # or client_secret (never commit it)
        kinds: [{key: personal, label: 個人, history_months: 24}, ...]
        history_months_by_type: {"01": 24, "11": 1}   # optional, by bank-side account type
        notes: ["..."]                    # shown before sending the user to the bank
        rate_limit: {requests: 20, per_seconds: 1}   # optional: calls our client may make

Endpoints default to the sandbox bank's paths under the issuer; a real bank sets them.
"""
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEFAULT_KINDS = (
    {"key": "personal", "label": "個人", "history_months": 24},
    {"key": "corporate", "label": "法人", "history_months": 12},
)


class BankConfigError(ValueError):
    pass


@dataclass(frozen=True)
class AccountKind:
    key: str
    label: str
    history_months: int


@dataclass(frozen=True)
class RateLimit:
    """At most `requests` API calls in any `per_seconds`, for our client at the bank."""

    requests: int
    per_seconds: float


@dataclass(frozen=True)
class BankApi:
    bank_code: str
    dialect: str
    issuer: str
    client_id: str
    client_secret: str
    authorization_endpoint: str
    token_endpoint: str
    revocation_endpoint: str
    api_base: str
    scope: str
    status_url: str | None
    consent_days: int
    api_suffix: bool
    kinds: tuple[AccountKind, ...]
    notes: tuple[str, ...] = field(default=())
    rate_limit_per_day: int | None = None
    rate_limit: RateLimit | None = None  # shared by every worker (portal.banks.rate_gate)
    service_hours: tuple[dict, ...] = field(default=())  # closures, see portal.banks.hours
    history_by_type: dict = field(default_factory=dict)  # months by bank-side account type

    def kind(self, key: str) -> AccountKind | None:
        return next((k for k in self.kinds if k.key == key), None)


def _one(code: str, raw: dict) -> BankApi:
    try:
        issuer = raw["issuer"].rstrip("/")
        dialect = raw.get("dialect", "gmo")
        client_id = raw["client_id"]
    except KeyError as exc:
        raise BankConfigError(f"bank {code}: missing {exc.args[0]}") from exc
    if dialect not in ("gmo", "mufg"):
        raise BankConfigError(f"bank {code}: unknown dialect {dialect!r}")
    secret = raw.get("client_secret")
    if secret is None and raw.get("client_secret_env"):
        secret = os.environ.get(raw["client_secret_env"])
    if not secret:
        raise BankConfigError(f"bank {code}: no client secret (client_secret or client_secret_env)")
    kinds = tuple(
        AccountKind(k["key"], k["label"], int(k.get("history_months", 12)))
        for k in raw.get("kinds", DEFAULT_KINDS)
    )
    return BankApi(
        bank_code=code,
        dialect=dialect,
        issuer=issuer,
        client_id=client_id,
        client_secret=secret,
        authorization_endpoint=raw.get("authorization_endpoint", f"{issuer}/auth/v1/authorization"),
        token_endpoint=raw.get("token_endpoint", f"{issuer}/auth/v1/token"),
        revocation_endpoint=raw.get("revocation_endpoint", f"{issuer}/auth/v1/tokens/revoke"),
        api_base=raw.get("api_base", issuer).rstrip("/"),
        scope=raw.get("scope", "private:account"),
        status_url=raw.get("status_url"),
        consent_days=int(raw.get("consent_days", 90)),
        api_suffix=bool(raw.get("api_suffix", code != "0038")),
        kinds=kinds,
        notes=tuple(raw.get("notes", ())),
        rate_limit_per_day=raw.get("rate_limit_per_day"),
        rate_limit=_rate_limit(code, raw.get("rate_limit")),
        service_hours=tuple(raw.get("service_hours", ())),
        history_by_type={str(k): int(v) for k, v in (raw.get("history_months_by_type") or {}).items()},
    )


def _rate_limit(code: str, raw) -> RateLimit | None:
    if raw is None:
        return None
    try:
        requests, per_seconds = int(raw["requests"]), float(raw["per_seconds"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BankConfigError(f"bank {code}: rate_limit needs requests and per_seconds") from exc
    if requests < 1 or per_seconds <= 0:
        raise BankConfigError(f"bank {code}: rate_limit must be positive")
    return RateLimit(requests, per_seconds)


class BankRegistry:
    def __init__(self, banks: dict[str, BankApi]):
        self._banks = banks

    @classmethod
    def from_mapping(cls, data: dict | None) -> "BankRegistry":
        banks = (data or {}).get("banks", {}) or {}
        return cls({str(code).zfill(4): _one(str(code).zfill(4), raw) for code, raw in banks.items()})

    @classmethod
    def from_file(cls, path: str | Path) -> "BankRegistry":
        with open(path, encoding="utf-8") as fh:
            return cls.from_mapping(yaml.safe_load(fh))

    def get(self, code: str) -> BankApi | None:
        return self._banks.get(code)

    def codes(self) -> list[str]:
        return sorted(self._banks)
