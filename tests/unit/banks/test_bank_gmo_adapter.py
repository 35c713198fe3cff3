from datetime import date, time, timedelta, timezone
from decimal import Decimal

import pytest

from portal.banks.adapters import gmo
from portal.banks.errors import BadBankResponse
from portal.banks.types import TransactionPage

JST = timezone(timedelta(hours=9))
BASE = "https://bank.example/banks/0310/"


def test_requests_carry_token_header_and_documented_params():
    req = gmo.transactions_request(BASE, "tok", "cid", "302010013543", date(2024, 4, 1),
                                   date(2024, 4, 30), cursor="k-0003")
    assert req.method == "GET"
    assert req.url == "https://bank.example/banks/0310/personal/v1/accounts/transactions"
    assert req.params == {"accountId": "302010013543", "dateFrom": "2024-04-01",
                          "dateTo": "2024-04-30", "nextItemKey": "k-0003"}
    assert req.headers["x-access-token"] == "tok"
    assert "Authorization" not in req.headers  # Bearer is refused in this dialect
    assert "tok" not in repr(req)


def test_first_page_request_has_no_cursor():
    req = gmo.transactions_request(BASE, "tok", None, "1", date(2024, 4, 1), date(2024, 4, 2))
    assert "nextItemKey" not in req.params


@pytest.mark.parametrize(("remote_id", "params"), [(None, {}), ("302", {"accountId": "302"})])
def test_balances_request(remote_id, params):
    req = gmo.balances_request(BASE, "tok", "cid", remote_id)
    assert req.url.endswith("/personal/v1/accounts/balances")
    assert req.params == params


def test_accounts_request():
    assert gmo.accounts_request(BASE, "tok", "cid").url.endswith("/personal/v1/accounts")


def test_parse_accounts_with_omitted_optionals(gmo_accounts):
    first, second = gmo.parse_accounts(gmo_accounts)
    assert first.remote_id == "302010013543"
    assert (first.branch_code, first.branch_name) == ("302", "法人営業部")
    assert (first.account_type_code, first.account_type_name) == ("01", "普通")
    assert first.account_name_kana == "ﾔﾏﾀﾞ ﾀﾛｳ"
    assert first.masked_number == "***3543"
    assert (second.branch_name, second.account_name, second.currency) == ("", "", "USD")


def test_parse_balances_reads_string_numbers(gmo_balances):
    jpy, usd = gmo.parse_balances(gmo_balances)
    assert jpy.balance == Decimal("1234567")
    assert jpy.withdrawable == Decimal("1200000")
    assert jpy.previous_day_balance == Decimal("1230000")
    assert jpy.base_date == date(2024, 5, 1)
    assert jpy.base_time == time(10, 15, tzinfo=JST)
    assert (usd.balance, usd.currency) == (Decimal("1500.25"), "USD")
    assert usd.base_time is usd.withdrawable is usd.previous_day_balance is None


def test_parse_transactions_signs_and_optionals(gmo_transactions):
    page = gmo.parse_transactions(gmo_transactions, "302010013543")
    assert isinstance(page, TransactionPage)
    assert page.next_cursor == "k-0003"
    deposit, withdrawal, bare = page.transactions
    assert deposit.amount == Decimal("250000")  # "1" 入金
    assert withdrawal.amount == Decimal("-3300")  # "2" 出金
    assert withdrawal.value_date == date(2024, 3, 30)  # 起算日 differs
    assert (bare.remarks, bare.value_date) == ("", None)
    assert bare.balance_after == Decimal("1246590")
    assert [t.item_key for t in page.transactions] == ["k-0001", "k-0002", "k-0003"]


def test_last_page_has_no_cursor(gmo_transactions):
    gmo_transactions["hasNext"] = False
    del gmo_transactions["nextItemKey"]
    assert gmo.parse_transactions(gmo_transactions, "302010013543").next_cursor is None


def test_empty_page():
    data = {"accountId": "1", "hasNext": False, "count": "0", "transactions": []}
    assert gmo.parse_transactions(data, "1") == TransactionPage((), None)


def _drop(data, key):
    del data[key]
    return data


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda d: _drop(d["transactions"][1], "amount"), "transactions[1].amount"),
    (lambda d: d["transactions"][0].update(amount="1,000"), "transactions[0].amount"),
    (lambda d: d["transactions"][0].update(amount="-5"), "transactions[0].amount"),
    (lambda d: d["transactions"][0].update(amount=["1"]), "transactions[0].amount"),
    (lambda d: d["transactions"][2].update(transactionType="3"), "transactionType"),
    (lambda d: d["transactions"][0].update(transactionDate="2024/04/01"), "transactionDate"),
    (lambda d: d["transactions"][0].update(transactionDate="2024-02-30"), "transactionDate"),
    (lambda d: _drop(d["transactions"][0], "itemKey"), "transactions[0].itemKey"),
    (lambda d: d.update(transactions="none"), "transactions"),
    (lambda d: d.update(transactions=[1]), "transactions[0]"),
    (lambda d: _drop(d, "nextItemKey"), "nextItemKey"),
    (lambda d: d.update(accountId="999"), "accountId"),
    (lambda d: d.update(hasNext="maybe"), "hasNext"),
])
def test_schema_violations_name_the_field(gmo_transactions, mutate, field):
    mutate(gmo_transactions)
    with pytest.raises(BadBankResponse, match=field.replace("[", r"\[").replace("]", r"\]")):
        gmo.parse_transactions(gmo_transactions, "302010013543")


@pytest.mark.parametrize("data", [None, [], "x", {"accounts": None}, {"accounts": [{}]}])
def test_bad_account_lists(data):
    with pytest.raises(BadBankResponse):
        gmo.parse_accounts(data)


def test_bad_balance_time(gmo_balances):
    gmo_balances["balances"][0]["baseTime"] = "25:99"
    with pytest.raises(BadBankResponse, match="baseTime"):
        gmo.parse_balances(gmo_balances)
