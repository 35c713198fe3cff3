"""One pooled HTTP client per bank for a worker's life (SyncContext), the per-request hook
(`before_request`, the rate gate) and closing the clients when the worker stops."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from bank_bodies import GMO_ACCOUNTS, GMO_BALANCES

from portal.banks.client import BankClient
from portal.banks.registry import BankRegistry
from portal.crypto import TokenCipher, generate_key
from portal.services.sync_run import SyncContext

TOKEN = "secret-access-token"


class CountingBank(ThreadingHTTPServer):
    """A real HTTP/1.1 server (keep-alive) answering gmo accounts and balances; counts the
    TCP connections it accepts, so a test sees whether clients reuse them."""

    daemon_threads = True

    def __init__(self):
        self.connections = 0
        self._lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def get_request(self):
        accepted = super().get_request()
        with self._lock:
            self.connections += 1
        return accepted

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = json.dumps(GMO_BALANCES if "balances" in self.path else GMO_ACCOUNTS).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def bank_server():
    server = CountingBank()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def context(*urls: str, **kw) -> SyncContext:
    banks = {code: {"issuer": f"{url}/banks/{code}", "client_id": "c", "client_secret": "s"}
             for code, url in zip(("0001", "0310"), urls, strict=False)}
    return SyncContext(registry=BankRegistry.from_mapping({"banks": banks}),
                       cipher=TokenCipher.from_config(generate_key()), **kw)


def test_sync_context_clients_share_one_connection(bank_server):
    ctx = context(bank_server.url)
    bank = ctx.registry.get("0001")
    try:
        for _ in range(3):  # three syncs, each with its own BankClient
            client = ctx.client(bank)
            client.list_accounts(TOKEN)
            client.balances(TOKEN)
    finally:
        ctx.close()
    assert bank_server.connections == 1


def test_without_a_shared_client_every_call_connects(bank_server):
    # The contrast that makes the test above mean something: the fresh-client path.
    client = BankClient(f"{bank_server.url}/banks/0001", "gmo", "c")
    for _ in range(3):
        client.list_accounts(TOKEN)
    assert bank_server.connections == 3


def test_one_http_client_per_bank_api_across_threads():
    ctx = context("http://bank-a.test", "http://bank-b.test")
    a, b = ctx.registry.get("0001"), ctx.registry.get("0310")
    start = threading.Barrier(8)
    made: list[BankClient] = []

    def take():
        start.wait()
        made.append(ctx.client(a))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert len({id(c._http) for c in made}) == 1
        assert ctx.client(b)._http is not made[0]._http
    finally:
        ctx.close()


def test_close_closes_the_shared_clients():
    ctx = context("http://bank-a.test", "http://bank-b.test")
    shared = [ctx.client(ctx.registry.get(code))._http for code in ("0001", "0310")]
    assert not any(h.is_closed for h in shared)
    ctx.close()
    assert all(h.is_closed for h in shared)
    again = ctx.client(ctx.registry.get("0001"))._http  # a worker that goes on gets a new one
    assert not again.is_closed and again is not shared[0]
    ctx.close()


def test_before_request_runs_before_every_send_retries_included():
    sent: list[httpx.Request] = []
    answers = [httpx.Response(500), httpx.Response(503), httpx.Response(200, json=GMO_ACCOUNTS)]

    def bank(request):
        sent.append(request)
        return answers.pop(0)

    seen_before: list[int] = []  # requests already sent each time the hook runs
    client = BankClient("http://bank.test/banks/0001", "gmo", "c",
                        http=httpx.Client(transport=httpx.MockTransport(bank)),
                        sleep=lambda s: None, before_request=lambda: seen_before.append(len(sent)))
    client.list_accounts(TOKEN)
    assert seen_before == [0, 1, 2]
    assert client.calls == 3


def test_rate_gate_of_the_context_gets_the_bank_code(bank_server):
    gated: list[str] = []
    ctx = context(bank_server.url, bank_server.url, rate_gate=gated.append)
    try:
        ctx.client(ctx.registry.get("0001")).list_accounts(TOKEN)
        ctx.client(ctx.registry.get("0310")).balances(TOKEN)
    finally:
        ctx.close()
    assert gated == ["0001", "0310"]


def test_a_gate_that_refuses_stops_the_request(bank_server):
    def closed(code):
        raise RuntimeError(f"no budget for {code}")

    ctx = context(bank_server.url, rate_gate=closed)
    try:
        with pytest.raises(RuntimeError, match="0001"):
            ctx.client(ctx.registry.get("0001")).list_accounts(TOKEN)
    finally:
        ctx.close()
    assert bank_server.connections == 0
