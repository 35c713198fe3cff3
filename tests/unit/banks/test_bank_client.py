import json
import logging
from datetime import date
from decimal import Decimal

import httpx
import pytest
from bank_bodies import GMO_ACCOUNTS, MUFG_ACCOUNTS, gmo_page, mufg_page

from portal.banks.client import BankClient, fetch_status
from portal.banks.errors import (
    BadBankResponse,
    BankConnectionError,
    BankServerError,
    BankUnavailable,
    PermissionDenied,
    RateLimited,
    ReauthRequired,
)

API = "http://bank.test/banks/0310"
TOKEN = "secret-access-token"
APRIL = (date(2024, 4, 1), date(2024, 4, 30))


def tx(key, kind="1", amount="100"):
    return {"transactionDate": "2024-04-01", "transactionType": kind, "amount": amount,
            "itemKey": key}


class FakeBank:
    """Answers from a script of responses (or callables), recording every request."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer(request) if callable(answer) else answer


def ok(data):
    return httpx.Response(200, json=data)


def client(bank, dialect="gmo", **kw):
    sleeps = []
    http = httpx.Client(transport=httpx.MockTransport(bank))
    kw.setdefault("sleep", sleeps.append)
    return BankClient(API, dialect, "client-1", http=http, **kw), sleeps


class BrokenStream(httpx.SyncByteStream):
    """A body that starts, then the peer resets the connection."""

    def __iter__(self):
        yield b'{"accounts": [{"accountId": "30'
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


def test_list_accounts_sends_token_header():
    bank = FakeBank(ok(GMO_ACCOUNTS))
    bank_client, _ = client(bank)
    accounts = bank_client.list_accounts(TOKEN)
    assert [a.remote_id for a in accounts] == ["302010013543", "302510000111"]
    assert bank.requests[0].headers["x-access-token"] == TOKEN
    assert bank.requests[0].url.path == "/banks/0310/personal/v1/accounts"


def test_paging_to_the_end_one_page_at_a_time():
    bank = FakeBank(ok(gmo_page([tx("a"), tx("b", "2")], next_key="b")),
                    ok(gmo_page([tx("c")], next_key="c")), ok(gmo_page([tx("d")])))
    bank_client, _ = client(bank)
    pages = bank_client.transaction_pages(TOKEN, "302010013543", *APRIL)
    first = next(pages)
    assert len(bank.requests) == 1  # streamed: nothing fetched ahead
    assert [t.amount for t in first.transactions] == [Decimal(100), Decimal(-100)]
    rest = list(pages)
    assert [t.item_key for p in rest for t in p.transactions] == ["c", "d"]
    assert [r.url.params.get("nextItemKey") for r in bank.requests] == [None, "b", "c"]
    assert bank.requests[0].url.params["dateFrom"] == "2024-04-01"


def test_paging_resumes_from_a_cursor():
    bank = FakeBank(ok(gmo_page([tx("z")])))
    bank_client, _ = client(bank)
    list(bank_client.transaction_pages(TOKEN, "302010013543", *APRIL, cursor="y"))
    assert bank.requests[0].url.params["nextItemKey"] == "y"


def test_repeated_cursor_stops_paging():
    bank = FakeBank(ok(gmo_page([tx("a")], next_key="a")))
    bank_client, _ = client(bank)
    with pytest.raises(BadBankResponse, match="cursor"):
        list(bank_client.transaction_pages(TOKEN, "302010013543", *APRIL))
    assert len(bank.requests) == 2


def test_retry_on_500_then_success():
    bank = FakeBank(httpx.Response(500), ok(GMO_ACCOUNTS))
    bank_client, sleeps = client(bank)
    assert len(bank_client.list_accounts(TOKEN)) == 2
    assert len(bank.requests) == 2
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 30


@pytest.mark.parametrize(("status", "cls"), [(429, RateLimited), (503, BankUnavailable)])
def test_retry_after_is_honoured(status, cls):
    bank = FakeBank(httpx.Response(status, headers={"Retry-After": "7"}), ok(GMO_ACCOUNTS))
    bank_client, sleeps = client(bank)
    bank_client.list_accounts(TOKEN)
    assert len(sleeps) == 1 and 7 <= sleeps[0] <= 8  # Retry-After plus a little jitter


@pytest.mark.parametrize(("status", "cls"), [(429, RateLimited), (503, BankUnavailable)])
def test_long_retry_after_is_raised_at_once_for_rescheduling(status, cls):
    bank = FakeBank(httpx.Response(status, headers={"Retry-After": "3600"}))
    bank_client, sleeps = client(bank, max_retry_wait=30)
    with pytest.raises(cls) as caught:
        bank_client.list_accounts(TOKEN)
    assert caught.value.retry_after == 3600
    assert (len(bank.requests), sleeps) == (1, [])


def test_gives_up_after_attempts_and_reraises_the_typed_error():
    body = json.dumps({"errorCode": "WG_ERR_429", "errorMessage": "多すぎます"}).encode()
    bank = FakeBank(httpx.Response(429, headers={"Retry-After": "2"}, content=body))
    bank_client, sleeps = client(bank, attempts=3)
    with pytest.raises(RateLimited) as caught:
        bank_client.list_accounts(TOKEN)
    assert (caught.value.retry_after, caught.value.bank_code) == (2, "WG_ERR_429")
    assert len(bank.requests) == 3 and len(sleeps) == 2


def test_server_errors_back_off_exponentially_then_give_up():
    bank = FakeBank(httpx.Response(500))
    bank_client, sleeps = client(bank, attempts=4)
    with pytest.raises(BankServerError):
        bank_client.list_accounts(TOKEN)
    assert len(bank.requests) == 4 and len(sleeps) == 3
    assert all(0 < s <= 30 for s in sleeps)


@pytest.mark.parametrize(("status", "cls"), [(401, ReauthRequired), (403, PermissionDenied)])
def test_auth_errors_are_never_retried(status, cls):
    bank = FakeBank(httpx.Response(status))
    bank_client, sleeps = client(bank)
    with pytest.raises(cls):
        bank_client.list_accounts(TOKEN)
    assert (len(bank.requests), sleeps) == (1, [])


def test_reset_mid_body_is_a_connection_error():
    bank = FakeBank(lambda request: httpx.Response(200, stream=BrokenStream()))
    bank_client, sleeps = client(bank, attempts=2)
    with pytest.raises(BankConnectionError, match="broke off"):
        bank_client.list_accounts(TOKEN)
    assert len(bank.requests) == 2


@pytest.mark.parametrize("exc", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
def test_transport_failures_are_retried_then_raised(exc):
    def fail(request):
        raise exc

    bank = FakeBank(fail, ok(GMO_ACCOUNTS))
    bank_client, _ = client(bank)
    assert len(bank_client.list_accounts(TOKEN)) == 2
    bank = FakeBank(fail)
    bank_client, _ = client(bank, attempts=2)
    with pytest.raises(BankConnectionError):
        bank_client.list_accounts(TOKEN)


def test_truncated_json_is_retried_with_backoff_like_a_5xx():
    truncated = httpx.Response(200, content=b'{"accounts": [{"accountId": "3020')
    bank = FakeBank(truncated, truncated, truncated, ok(GMO_ACCOUNTS))
    bank_client, sleeps = client(bank)
    assert len(bank_client.list_accounts(TOKEN)) == 2  # three in a row, then the answer
    assert len(sleeps) == 3 and all(s > 0 for s in sleeps)
    bank = FakeBank(truncated)
    bank_client, _ = client(bank)
    with pytest.raises(BadBankResponse) as caught:
        bank_client.list_accounts(TOKEN)
    assert caught.value.transient and len(bank.requests) == 4  # every attempt, then typed


def test_two_resets_in_a_row_are_retried():
    def reset(request):
        return httpx.Response(200, stream=BrokenStream())

    bank = FakeBank(reset, reset, ok(GMO_ACCOUNTS))
    bank_client, sleeps = client(bank)
    assert len(bank_client.list_accounts(TOKEN)) == 2
    assert len(bank.requests) == 3 and len(sleeps) == 2


def test_a_malformed_body_is_asked_once_more_then_is_bad_response():
    malformed = ok({"accounts": [{"accountId": "1"}]})
    bank = FakeBank(malformed, ok(GMO_ACCOUNTS))
    bank_client, _ = client(bank)
    assert len(bank_client.list_accounts(TOKEN)) == 2  # a glitch once is forgiven
    bank = FakeBank(malformed)
    bank_client, sleeps = client(bank)
    with pytest.raises(BadBankResponse, match="branchCode") as caught:
        bank_client.list_accounts(TOKEN)
    assert not caught.value.transient and caught.value.code == "bad_response"
    assert (len(bank.requests), len(sleeps)) == (2, 1)


def test_token_stays_out_of_logs_and_errors(caplog):
    echo = json.dumps({"errorCode": "X", "errorMessage": f"bad token {TOKEN}"}).encode()
    bank = FakeBank(httpx.Response(500, content=echo))
    bank_client, _ = client(bank, attempts=2)
    with caplog.at_level(logging.DEBUG), pytest.raises(BankServerError) as caught:
        bank_client.list_accounts(TOKEN)
    assert "retrying" in caplog.text
    assert TOKEN not in caplog.text
    assert TOKEN not in f"{caught.value} {caught.value!r} {caught.value.bank_message}"


def test_mufg_headers_fresh_seq_no_per_attempt_and_balances_filtered():
    bank = FakeBank(httpx.Response(500), ok(MUFG_ACCOUNTS))
    bank_client, _ = client(bank, dialect="mufg")
    balances = bank_client.balances(TOKEN, "001200654321")
    assert [(b.remote_id, b.balance) for b in balances] == [("001200654321", Decimal(10000))]
    first, second = bank.requests
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert first.headers["X-IBM-Client-Id"] == "client-1"
    seq_nos = [r.headers["X-BTMU-Seq-No"] for r in bank.requests]
    assert all(len(s) == 25 for s in seq_nos) and seq_nos[0] != seq_nos[1]


def test_mufg_paging():
    bank = FakeBank(
        ok(mufg_page([{"settlementDate": "2024-04-01", "transactionId": "1",
                       "debitCreditTypeCode": "2", "amount": "500"}], next_keyword="K1")),
        ok(mufg_page([])))
    bank_client, _ = client(bank, dialect="mufg")
    pages = list(bank_client.transaction_pages(TOKEN, "001100123456", *APRIL))
    assert pages[0].transactions[0].amount == Decimal(-500)
    assert bank.requests[1].url.params["nextKeyword"] == "K1"
    assert bank.requests[1].url.path.endswith("/accounts/001100123456/transactions")


def test_unknown_dialect():
    with pytest.raises(ValueError, match="dialect"):
        BankClient(API, "swift", "c")


def test_fetch_status():
    status = {"bank": "0310", "open": True, "service_hours": []}
    http = httpx.Client(transport=httpx.MockTransport(FakeBank(ok(status))))
    assert fetch_status(f"{API}/_sandbox/status", http=http) == status
    down = httpx.Client(transport=httpx.MockTransport(
        FakeBank(httpx.Response(503, headers={"Retry-After": "60"}))))
    with pytest.raises(BankUnavailable) as caught:
        fetch_status(f"{API}/_sandbox/status", http=down)
    assert caught.value.retry_after == 60
    listy = httpx.Client(transport=httpx.MockTransport(FakeBank(ok([1]))))
    with pytest.raises(BadBankResponse):
        fetch_status(f"{API}/_sandbox/status", http=listy)
