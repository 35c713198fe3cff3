"""Typed bank errors. Each class's `code` is what the sync log records as the typed error.

Messages are short English sentences written by us; the bank's own text is kept apart in
`bank_message` (truncated), and no error ever carries a token.
"""

MAX_BANK_MESSAGE = 200


class BankApiError(Exception):
    """Any failure talking to a bank API; also used as is for other 4xx answers (e.g. 400)."""

    code = "bank_error"
    default_message = "the bank rejected the request"
    retry_after: float | None = None  # set by the errors that say when to come back

    def __init__(self, message: str | None = None, *, status: int | None = None,
                 bank_code: str | None = None, bank_message: str | None = None):
        self.message = message or self.default_message
        self.status = status  # HTTP status, None when no answer came
        self.bank_code = bank_code  # the bank's own error code, e.g. WG_ERR_110
        self.bank_message = (bank_message or "")[:MAX_BANK_MESSAGE] or None
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.message} ({self.bank_code})" if self.bank_code else self.message

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.message!r}, status={self.status}, "
                f"bank_code={self.bank_code!r})")


class ReauthRequired(BankApiError):
    """401, or invalid_grant: the token or the consent behind it is gone."""

    code = "reauth_required"
    default_message = "the bank no longer accepts this consent; authorise again"


class PermissionDenied(BankApiError):
    """403: the scope or the account was not granted at consent."""

    code = "permission_denied"
    default_message = "the consent does not cover this account or permission"


class _RetryLater(BankApiError):
    """An error the bank asked us to come back from, possibly saying when."""

    def __init__(self, message: str | None = None, *, retry_after: float | None = None, **kw):
        self.retry_after = retry_after  # seconds, from Retry-After; None when not given
        super().__init__(message, **kw)


class BankUnavailable(_RetryLater):
    """503 / WG_ERR_300: maintenance or outside service hours."""

    code = "bank_unavailable"
    default_message = "the bank is under maintenance or outside service hours"


class RateLimited(_RetryLater):
    """429: over the bank's rate limit."""

    code = "rate_limited"
    default_message = "the bank's rate limit was reached"


class BankServerError(BankApiError):
    """Other 5xx: the bank failed; usually worth a retry."""

    default_message = "the bank answered with a server error"


class BadBankResponse(BankApiError):
    """A 2xx body we cannot use: unparseable, truncated, or not the documented shape.

    `transient` marks bodies that did not even decode (truncated, not JSON): that can be
    a transport fault, so the client retries those once; a schema violation would repeat.
    """

    code = "bad_response"
    default_message = "the bank sent a response we could not read"

    def __init__(self, message: str | None = None, *, transient: bool = False, **kw):
        self.transient = transient
        super().__init__(message, **kw)


class BankConnectionError(BankApiError):
    """No usable answer: connect failure, reset (also mid-body), timeout."""

    code = "bank_unreachable"
    default_message = "could not reach the bank"
