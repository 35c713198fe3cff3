"""When the bank client tries a request again, and how long it waits (tenacity, not a loop).

Retried: 5xx (BankServerError), no usable answer (BankConnectionError: reset, timeout), a
body that did not decode (truncated JSON: a broken transfer looks the same), and 429/503
when the bank's Retry-After is at most `max_retry_wait` (or absent). A longer Retry-After is
raised at once: the caller reschedules the sync with it instead of holding a worker. A body
that decodes but breaks the schema is asked for once more (a bank can glitch once); the
same again is a `bad_response` for good. 401, 403 and other 4xx are never retried. After
the last attempt the typed error itself is re-raised, retry_after included.
"""
import logging
import random
from collections.abc import Callable

from tenacity import RetryCallState, Retrying, stop_after_attempt, wait_exponential_jitter

from .errors import (
    BadBankResponse,
    BankConnectionError,
    BankServerError,
    BankUnavailable,
    RateLimited,
)

log = logging.getLogger(__name__)
RETRY_AFTER_JITTER = 1.0  # seconds added at random, so many workers do not return together
MALFORMED_BODY_RETRIES = 1


def retrying(*, attempts: int, max_retry_wait: float, sleep: Callable[[float], None],
             label: str) -> Retrying:
    """A fresh policy for one logical request (it counts malformed bodies per request)."""
    malformed_bodies = 0
    backoff = wait_exponential_jitter(multiplier=0.5, max=max_retry_wait, jitter=0.5)

    def worth_retrying(state: RetryCallState) -> bool:
        nonlocal malformed_bodies
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, BankServerError | BankConnectionError):
            return True
        if isinstance(exc, RateLimited | BankUnavailable):
            return exc.retry_after is None or exc.retry_after <= max_retry_wait
        if isinstance(exc, BadBankResponse):
            if exc.transient:
                return True
            malformed_bodies += 1
            return malformed_bodies <= MALFORMED_BODY_RETRIES
        return False

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return retry_after + random.uniform(0, RETRY_AFTER_JITTER)
        return backoff(state)

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait_s = state.next_action.sleep if state.next_action else 0.0
        # Only our own error code and the request's label (method and path): never headers.
        log.warning("bank request %s failed (%s), attempt %d; retrying in %.1fs", label,
                    getattr(exc, "code", type(exc).__name__), state.attempt_number, wait_s)

    return Retrying(stop=stop_after_attempt(attempts), retry=worth_retrying, wait=wait,
                    sleep=sleep, before_sleep=before_sleep, reraise=True)
