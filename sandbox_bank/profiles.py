"""Per-bank profiles: which banks the sandbox hosts and how each one behaves."""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field

from zengin_code import Bank

from . import service_hours

DAY = 86400
LOGIN_METHODS = {"password", "certificate"}

# Fields an admin may PATCH at run time, with their type checks.
PATCHABLE = {
    "service_hours": list,
    "enforce_service_hours": bool,
    "rate_limit": dict,
    "access_token_ttl": int,
    "consent_ttl": int,
    "code_ttl": int,
    "page_size": int,
    "history_months": dict,
    "one_grant_per_user": bool,
    "login_methods": list,
    "refresh_reuse_revokes_grant": bool,
}


@dataclass
class BankProfile:
    code: str
    dialect: str  # gmo | mufg
    login_methods: list[str]  # password, certificate
    consent_ttl: int  # seconds
    access_token_ttl: int = 3600
    code_ttl: int = 60
    page_size: int = 500
    # Months of history served per account kind (first day of the month N months back).
    history_months: dict[str, int] = field(
        default_factory=lambda: {"01": 24, "02": 24, "11": 1, "51": 1}
    )
    service_hours: list[dict] = field(
        default_factory=lambda: copy.deepcopy(service_hours.DEFAULT_CLOSURES)
    )
    enforce_service_hours: bool = True
    rate_limit: dict = field(default_factory=lambda: {"requests": 30, "per_seconds": 1})
    one_grant_per_user: bool = True
    refresh_reuse_revokes_grant: bool = False

    @property
    def name(self) -> str:
        return Bank[self.code].name

    @property
    def display_name(self) -> str:
        return self.name + "銀行"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["name"] = self.name
        return data

    def history_for(self, type_code: str) -> int:
        return int(self.history_months.get(type_code, 24))

    def apply(self, changes: dict) -> None:
        """Validate then apply a PATCH; raises ValueError on any bad field."""
        for key, value in changes.items():
            kind = PATCHABLE.get(key)
            if kind is None:
                raise ValueError(f"unknown or read-only field: {key}")
            if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"{key} must be an integer")
            if kind is not int and not isinstance(value, kind):
                raise ValueError(f"{key} must be a {kind.__name__}")
            if kind is int and value < (1 if key == "page_size" else 0):
                raise ValueError(f"{key} out of range")
        methods = changes.get("login_methods")
        if methods is not None and (not methods or not set(methods) <= LOGIN_METHODS):
            raise ValueError(f"login_methods must be a non-empty subset of {sorted(LOGIN_METHODS)}")
        months = changes.get("history_months", {})
        if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 600
                   for v in months.values()):
            raise ValueError("history_months values must be integers 0..600")
        if "service_hours" in changes:
            service_hours.validate(changes["service_hours"])
        if "rate_limit" in changes:
            limit = changes["rate_limit"]
            if not all(isinstance(limit.get(k), int) and limit[k] > 0
                       for k in ("requests", "per_seconds")):
                raise ValueError("rate_limit needs positive integers requests, per_seconds")
        for key, value in changes.items():
            setattr(self, key, copy.deepcopy(value))


def default_profiles() -> dict[str, BankProfile]:
    return {
        "0001": BankProfile("0001", "gmo", ["password", "certificate"], 90 * DAY,
                            history_months={"01": 24, "02": 24, "11": 12, "51": 12}),
        "0010": BankProfile("0010", "mufg", ["password", "certificate"], 365 * DAY,
                            rate_limit={"requests": 10, "per_seconds": 1}),
        "0038": BankProfile("0038", "gmo", ["password"], 90 * DAY),
        "0310": BankProfile("0310", "gmo", ["password", "certificate"], 365 * DAY,
                            rate_limit={"requests": 20, "per_seconds": 1}),
    }
