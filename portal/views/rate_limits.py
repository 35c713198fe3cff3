"""How often a client address and an account may try to get in (the `limits` library).

Every attempt spends from its budgets *before* the password or code is checked: the storage
counts and refuses in one step (a lock in memory://, one script in Redis), so a hundred
parallel attempts get exactly the budget checked, never more. Two budgets per login:

- per client address, for every attempt (also a right one, which is not given back), so one
  address cannot guess on many accounts;
- per account, given back when the password is right. It bounds guessing on one account from
  many addresses. Anyone can spend it, so it only lasts LOGIN_LOCK_SECONDS, and a password
  reset by e-mail (which the owner controls) clears it.

Storage: RATELIMIT_STORAGE_URI, memory:// by default (one process, as the portal runs unless
told otherwise); redis://host:6379 where several processes serve the portal (README).
Accounts are keyed by a hash of the e-mail, so the store holds no addresses.

The `limits` storage and strategy are used directly, not through Flask-Limiter: only these
views spend budgets, and Flask-Limiter's hooks ran on every request (a tenth of a status
poll's time) to find no limit on the others.
"""
import hashlib
import math
import time
from dataclasses import dataclass

from flask import current_app, render_template, request
from flask_babel import ngettext
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import STRATEGIES, RateLimiter

EXTENSION = "tsunagu_rate_limits"


@dataclass(frozen=True)
class Budget:
    setting: str  # the configuration key holding the limit, e.g. "30 per 10 minutes"
    scope: str


LOGIN_ADDRESS = Budget("LOGIN_ADDRESS_LIMIT", "login-address")
LOGIN_ACCOUNT = Budget("LOGIN_ACCOUNT_LIMIT", "login-account")
CODE_ACCOUNT = Budget("TWO_FACTOR_CODE_LIMIT", "code-account")
SIGNUP_ADDRESS = Budget("SIGNUP_ADDRESS_LIMIT", "signup-address")
RESET_ADDRESS = Budget("RESET_ADDRESS_LIMIT", "reset-address")
RESET_ACCOUNT = Budget("RESET_ACCOUNT_LIMIT", "reset-account")


def init_app(app) -> None:
    per_account = f"{app.config['LOGIN_MAX_FAILURES']} per {app.config['LOGIN_LOCK_SECONDS']} seconds"
    app.config.setdefault("LOGIN_ACCOUNT_LIMIT", per_account)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "tsunagu")
    app.config.setdefault("RATELIMIT_ENABLED", True)
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions[EXTENSION] = STRATEGIES[app.config["RATELIMIT_STRATEGY"]](storage)


def _limiter() -> RateLimiter | None:
    return current_app.extensions[EXTENSION] if current_app.config["RATELIMIT_ENABLED"] else None


def account_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def address_key() -> str:
    return request.remote_addr or "127.0.0.1"


def spend(*charges: tuple[Budget, str]) -> int | None:
    """Spend one attempt from each (budget, key), in order, stopping at the first exhausted
    one. Returns None when every budget allowed it, else the seconds until it would."""
    limiter = _limiter()
    if limiter is None:
        return None
    for budget, key in charges:
        item = parse(current_app.config[budget.setting])
        ids = (current_app.config["RATELIMIT_KEY_PREFIX"], budget.scope, key)
        if not limiter.hit(item, *ids):
            reset_at = limiter.get_window_stats(item, *ids).reset_time
            return max(1, math.ceil(reset_at - time.time()))
    return None


def give_back(budget: Budget, key: str) -> None:
    """Forget the attempts counted on `key` (a right password; a password reset)."""
    limiter = _limiter()
    if limiter is not None:
        limiter.clear(parse(current_app.config[budget.setting]),
                              current_app.config["RATELIMIT_KEY_PREFIX"], budget.scope, key)


def too_many(retry_after: int):
    """The 429 answer: a page saying when to try again, and the Retry-After header."""
    minutes = max(1, math.ceil(retry_after / 60))
    message = ngettext("試行の回数が多すぎます。約%(num)d分後にもう一度お試しください。",
                       "試行の回数が多すぎます。約%(num)d分後にもう一度お試しください。", minutes)
    return render_template("auth/too_many.html", message=message), 429, {"Retry-After": str(retry_after)}
