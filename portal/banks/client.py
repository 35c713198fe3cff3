"""Talks to one bank's resource API over HTTP, through the adapter of its dialect.

Adapters are pure (request descriptions in/out, JSON to dataclasses); this module does the
I/O: sends, maps transport failures and statuses to typed errors, retries (retry_policy),
and streams statement pages one at a time. Tokens go into headers only, never into logs,
errors or reprs.

A worker shares one pooled httpx.Client per bank (`shared_http`, kept by the SyncContext):
building a client builds a TLS context, which costs far more CPU than a bank call.
"""
import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import date
from functools import partial
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from .adapters import for_dialect
from .adapters.responses import decode_json, error_for, header, parse_retry_after
from .errors import BadBankResponse, BankApiError, BankConnectionError
from .retry_policy import retrying
from .types import BalanceInfo, HttpRequest, RemoteAccountInfo, TransactionPage

T = TypeVar("T")


def shared_http(timeout: float, connections: int) -> httpx.Client:
    """One client for every BankClient of a bank in a worker (httpx.Client is thread-safe):
    its pool keeps a connection alive per worker thread; more may open, none waits."""
    return httpx.Client(timeout=timeout, limits=httpx.Limits(
        max_connections=None, max_keepalive_connections=max(1, connections)))


def _connection_error(exc: httpx.TransportError) -> BankConnectionError:
    if isinstance(exc, httpx.TimeoutException):
        return BankConnectionError("the bank did not answer in time")
    if isinstance(exc, httpx.ConnectError):
        return BankConnectionError("could not connect to the bank")
    return BankConnectionError("the connection to the bank broke off")


class BankClient:
    def __init__(self, api_base: str, dialect: str, client_id: str, *,
                 http: httpx.Client | None = None, timeout: float = 15.0,
                 max_retry_wait: float = 30.0, attempts: int = 4,
                 sleep: Callable[[float], None] = time.sleep,
                 before_request: Callable[[], None] | None = None):
        self.api_base = api_base.rstrip("/")
        self.dialect = dialect
        self.client_id = client_id
        self._adapter = for_dialect(dialect)
        self._http = http
        self._timeout = timeout
        self._max_retry_wait = max_retry_wait
        self._attempts = max(1, attempts)
        self._sleep = sleep
        self._before_request = before_request  # e.g. a per-bank rate gate; may block
        self.calls = 0  # requests sent, retries included: banks count those against limits

    def __repr__(self) -> str:
        return f"BankClient({self.api_base!r}, {self.dialect!r})"

    def list_accounts(self, token: str) -> list[RemoteAccountInfo]:
        build = partial(self._adapter.accounts_request, self.api_base, token, self.client_id)
        with self._session() as http:
            return self._call(http, token, build, _decoded(self._adapter.parse_accounts))

    def balances(self, token: str, remote_id: str | None = None) -> list[BalanceInfo]:
        build = partial(self._adapter.balances_request, self.api_base, token, self.client_id,
                        remote_id)
        with self._session() as http:
            found = self._call(http, token, build, _decoded(self._adapter.parse_balances))
        # Some dialects list every account's balance; answer only what was asked for.
        return [b for b in found if remote_id is None or b.remote_id == remote_id]

    def transaction_pages(self, token: str, remote_id: str, date_from: date, date_to: date,
                          cursor: str | None = None) -> Iterator[TransactionPage]:
        """Pages oldest first, fetched one at a time as the caller consumes them."""
        parse = partial(self._adapter.transactions_from_body, remote_id=remote_id)
        seen: set[str] = set()
        with self._session() as http:
            while True:
                build = partial(self._adapter.transactions_request, self.api_base, token,
                                self.client_id, remote_id, date_from, date_to, cursor)
                page = self._call(http, token, build, parse)
                yield page
                if page.next_cursor is None:
                    return
                if page.next_cursor in seen:  # a bank looping would page forever
                    raise BadBankResponse("the bank repeated a paging cursor")
                seen.add(page.next_cursor)
                cursor = page.next_cursor

    @contextlib.contextmanager
    def _session(self) -> Iterator[httpx.Client]:
        # An injected (shared) client is the caller's to close; without one, a client lives
        # for one call (or one paging run): nothing is left open when the caller drops this
        # object. Sync workers always inject one (SyncContext.client).
        if self._http is not None:
            yield self._http
            return
        with httpx.Client(timeout=self._timeout) as http:
            yield http

    def _call(self, http: httpx.Client, token: str, build: Callable[[], HttpRequest],
              parse: Callable[[bytes], T]) -> T:
        """The answer to `build`'s request, read from its body by `parse`, with retries."""
        first = build()
        unsent = [first]
        label = f"{first.method} {urlsplit(first.url).path}"  # logged on retry; no query

        def attempt():
            # Rebuilt per retry: a dialect may want a fresh sequence number per request.
            request = unsent.pop() if unsent else build()
            try:
                return parse(self._send(http, request))
            except BankApiError as exc:
                _scrub(exc, token)
                raise

        policy = retrying(attempts=self._attempts, max_retry_wait=self._max_retry_wait,
                          sleep=self._sleep, label=label)
        return policy(attempt)

    def _send(self, http: httpx.Client, request: HttpRequest) -> bytes:
        if self._before_request is not None:  # every request, retries included
            self._before_request()
        self.calls += 1
        try:
            response = http.request(request.method, request.url, params=request.params,
                                    headers=request.headers, timeout=self._timeout)
        except httpx.TransportError as exc:  # connect, timeouts, reset (also mid-body)
            raise _connection_error(exc) from exc
        if not 200 <= response.status_code < 300:
            raise self._adapter.error_from_response(
                response.status_code, response.headers, response.content)
        return response.content


def _decoded(parse: Callable[[object], T]) -> Callable[[bytes], T]:
    """A dialect's parser of decoded JSON, as a reader of the body."""
    return lambda body: parse(decode_json(body))


def _scrub(exc: BankApiError, token: str) -> None:
    """Belt and braces: a bank echoing the token in its error text must not reach our logs."""
    if token and exc.bank_message and token in exc.bank_message:
        exc.bank_message = exc.bank_message.replace(token, "***")


def fetch_status(status_url: str, http: httpx.Client | None = None,
                 timeout: float = 5.0) -> dict:
    """The sandbox's public `GET {bank}/_sandbox/status` (service hours etc.), no retries."""
    try:
        if http is not None:
            response = http.get(status_url, timeout=timeout)
        else:
            with httpx.Client(timeout=timeout) as own:
                response = own.get(status_url)
    except httpx.TransportError as exc:
        raise _connection_error(exc) from exc
    if not 200 <= response.status_code < 300:
        raise error_for(response.status_code, bank_code=None, bank_message=None,
                        retry_after=parse_retry_after(header(response.headers, "Retry-After")))
    data = decode_json(response.content)
    if not isinstance(data, dict):
        raise BadBankResponse("the bank's status was not a JSON object")
    return data
