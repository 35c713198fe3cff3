import re
from datetime import date, time
from decimal import Decimal

import pytest

from portal.banks.adapters import mufg
from portal.banks.errors import BadBankResponse

BASE = "https://bank.example/banks/0010"
SEQ = "20240501-0123456789abcdef"


def test_seq_no_is_25_chars_and_unique():
    first, second = mufg.new_seq_no(date(2024, 5, 1)), mufg.new_seq_no()
    assert len(first) == len(second) == 25
    assert re.fullmatch(r"20240501-[0-9a-f]{16}", first)
    assert first[9:] != second[9:]


def test_transactions_request_puts_account_in_path_and_bearer_in_header():
    req = mufg.transactions_request(BASE, "tok", "client-1", "001100123456", date(2024, 4, 1),
                                    date(2024, 4, 30), "KW", seq_no=SEQ)
    assert req.url == f"{BASE}/btmu/retail/v2/me/accounts/001100123456/transactions"
    assert req.params == {"inquiryDateFrom": "2024-04-01", "inquiryDateTo": "2024-04-30",
                          "nextKeyword": "KW"}
    assert req.headers["Authorization"] == "Bearer tok"
    assert req.headers["X-IBM-Client-Id"] == "client-1"
    assert req.headers["X-BTMU-Seq-No"] == SEQ


def test_account_id_is_quoted_in_path():
    req = mufg.transactions_request(BASE, "t", "c", "a/b", date(2024, 1, 1), date(2024, 1, 2))
    assert req.url.endswith("/accounts/a%2Fb/transactions")
    assert "nextKeyword" not in req.params


def test_seq_no_of_wrong_length_is_refused():
    with pytest.raises(ValueError, match="25"):
        mufg.accounts_request(BASE, "t", "c", seq_no="short")


def test_balances_request_is_the_accounts_request():
    assert mufg.balances_request(BASE, "t", "c", "001100123456", seq_no=SEQ) == \
        mufg.accounts_request(BASE, "t", "c", seq_no=SEQ)


def test_parse_accounts(mufg_accounts):
    first, second = mufg.parse_accounts(mufg_accounts)
    assert (first.remote_id, first.branch_code, first.account_number) == \
        ("001100123456", "001", "0123456")
    assert first.masked_number == "***3456"
    assert (second.account_name, second.account_name_kana, second.currency) == ("", "", "JPY")


def test_parse_balances_from_the_accounts_list(mufg_accounts):
    first, second = mufg.parse_balances(mufg_accounts, today=date(2024, 5, 2))
    assert (first.balance, first.withdrawable) == (Decimal("543210"), Decimal("543210"))
    assert first.base_date == date(2024, 5, 2)  # no operationDate: as of the call
    assert first.previous_day_balance is None
    assert second.withdrawable is None


def test_parse_balances_uses_operation_date(mufg_accounts):
    mufg_accounts.update(operationDate="2024-05-01", operationTime="09:30:00")
    (first, _) = mufg.parse_balances(mufg_accounts, today=date(2030, 1, 1))
    assert (first.base_date, first.base_time) == (date(2024, 5, 1), time(9, 30))


def test_parse_transactions_sign_from_debit_credit_code(mufg_transactions):
    page = mufg.parse_transactions(mufg_transactions, "001100123456")
    credit, debit = page.transactions
    assert credit.amount == Decimal("50000")  # "1" 入金
    assert debit.amount == Decimal("-12000")  # "2" 出金
    assert (credit.item_key, credit.transaction_date) == ("T0000001", date(2024, 4, 1))
    assert debit.value_date == date(2024, 4, 1)
    assert (debit.remarks, debit.balance_after) == ("", Decimal("581210"))
    assert page.next_cursor == "20240402T0000002XXXXXXX"


def test_last_page(mufg_transactions):
    mufg_transactions.update(nextFlag="0", nextKeyword="")
    assert mufg.parse_transactions(mufg_transactions, "001100123456").next_cursor is None


def test_page_without_account_info():
    data = {"nextFlag": "0", "transactions": []}
    page = mufg.parse_transactions(data, "x")
    assert (page.transactions, page.next_cursor) == ((), None)


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda d: d["transactions"][0].update(debitCreditTypeCode="9"), "debitCreditTypeCode"),
    (lambda d: d["transactions"][0].pop("debitCreditTypeCode"), "debitCreditTypeCode"),
    (lambda d: d["transactions"][0].pop("transactionId"), "transactionId"),
    (lambda d: d["transactions"][1].update(settlementDate=20240402), "settlementDate"),
    (lambda d: d["transactions"][1].update(amount="1e3"), "amount"),
    (lambda d: d["transactions"][1].update(balance=True), "balance"),
    (lambda d: d.update(nextKeyword=""), "nextKeyword"),
    (lambda d: d.update(nextFlag="2"), "nextFlag"),
    (lambda d: d["accountInfo"].update(accountId="other"), "accountId"),
    (lambda d: d.update(accountInfo=[]), "accountInfo"),
])
def test_schema_violations_name_the_field(mufg_transactions, mutate, field):
    mutate(mufg_transactions)
    with pytest.raises(BadBankResponse, match=field):
        mufg.parse_transactions(mufg_transactions, "001100123456")


def test_missing_balance_in_accounts_list(mufg_accounts):
    del mufg_accounts["accounts"][1]["balance"]
    with pytest.raises(BadBankResponse, match=r"accounts\[1\]\.balance"):
        mufg.parse_balances(mufg_accounts)
