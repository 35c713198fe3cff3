"""Shared by the dialects: decoding bodies, Retry-After, and which status means which error."""
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from ..errors import (
    BadBankResponse,
    BankApiError,
    BankServerError,
    BankUnavailable,
    PermissionDenied,
    RateLimited,
    ReauthRequired,
)

MAX_RETRY_AFTER = 7 * 86400.0


def decode_json(body: bytes) -> object:
    """A 2xx body as JSON. Failure is `transient`: a truncated body may be a transport fault."""
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadBankResponse("the bank's response was not complete JSON",
                              transient=True) from None


def error_fields(body: bytes) -> dict:
    """An error body's JSON object, or {} when it is not one (proxies send HTML too)."""
    try:
        data = json.loads(body.decode("utf-8")) if body else {}
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def as_text(value) -> str | None:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


def header(headers: Mapping, name: str) -> str | None:
    """Case-insensitive lookup that works for plain dicts as well as httpx.Headers."""
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).

    Dates in the past mean "now" (0); garbage means "not given" (None); absurd values are
    capped at a week so callers can always schedule with them.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" dates come back naive; HTTP dates are GMT
        when = when.replace(tzinfo=UTC)
    wait = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(0.0, wait), MAX_RETRY_AFTER)


def error_for(status: int, *, retry_after: float | None, bank_code: str | None,
              bank_message: str | None, unavailable_codes: tuple[str, ...] = ()) -> BankApiError:
    """The typed error for an HTTP failure; a dialect passes the bank codes that mean 503."""
    detail = {"status": status, "bank_code": bank_code, "bank_message": bank_message}
    if bank_code in unavailable_codes or status == 503:
        return BankUnavailable(retry_after=retry_after, **detail)
    if status == 429:
        return RateLimited(retry_after=retry_after, **detail)
    if status == 401:
        return ReauthRequired(**detail)
    if status == 403:
        return PermissionDenied(**detail)
    if status >= 500:
        return BankServerError(**detail)
    if status == 400 and bank_code == "invalid_grant":  # OAuth-style body at a resource API
        return ReauthRequired(**detail)
    return BankApiError(f"the bank refused the request with HTTP {status}", **detail)
