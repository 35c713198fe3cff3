"""The `gmo` dialect (GMOあおぞらネット銀行's published API): pure request builders and parsers.

Shape: `x-access-token` header; every number is a JSON string; optional fields are omitted,
never null; statements page with hasNext/nextItemKey; errors are {errorCode, errorMessage}.
Every dialect module offers the same functions, so the client picks one by dialect name.
"""
from collections.abc import Mapping
from datetime import date, datetime

import msgspec

from ..types import BalanceInfo, HttpRequest, RemoteAccountInfo, TransactionInfo, TransactionPage
from . import fields as f
from . import plain_pages
from .responses import as_text, error_fields, error_for, header, parse_retry_after

API_PATH = "/personal/v1/accounts"
SIGN_BY_TYPE = {"1": 1, "2": -1}  # transactionType: "1" 入金 (deposit), "2" 出金 (withdrawal)
UNAVAILABLE_CODES = ("WG_ERR_300",)  # maintenance / outside service hours, whatever the status


def _request(api_base: str, token: str, path: str, params: dict) -> HttpRequest:
    headers = {"x-access-token": token, "Accept": "application/json"}
    return HttpRequest("GET", api_base.rstrip("/") + API_PATH + path, params, headers)


def accounts_request(api_base: str, token: str, client_id: str | None = None) -> HttpRequest:
    # client_id is unused here: the token alone identifies the client in this dialect.
    return _request(api_base, token, "", {})


def balances_request(api_base: str, token: str, client_id: str | None = None,
                     remote_id: str | None = None) -> HttpRequest:
    return _request(api_base, token, "/balances", {"accountId": remote_id} if remote_id else {})


def transactions_request(api_base: str, token: str, client_id: str | None, remote_id: str,
                         date_from: date, date_to: date, cursor: str | None = None) -> HttpRequest:
    params = {"accountId": remote_id, "dateFrom": date_from.isoformat(),
              "dateTo": date_to.isoformat()}
    if cursor:
        params["nextItemKey"] = cursor
    return _request(api_base, token, "/transactions", params)


def parse_accounts(data) -> list[RemoteAccountInfo]:
    rows = f.items(f.obj(data, "response"), "accounts")
    return [_account(row, f"accounts[{i}]") for i, row in enumerate(rows)]


def _account(row: dict, where: str) -> RemoteAccountInfo:
    return RemoteAccountInfo(
        remote_id=f.text(row, "accountId", where),
        branch_code=f.text(row, "branchCode", where),
        branch_name=f.text(row, "branchName", where, default=""),
        account_type_code=f.text(row, "accountTypeCode", where),
        account_type_name=f.text(row, "accountTypeName", where, default=""),
        account_number=f.text(row, "accountNumber", where),
        account_name=f.text(row, "accountName", where, default=""),
        account_name_kana=f.text(row, "accountNameKana", where, default=""),
        currency=f.text(row, "currencyCode", where, default="JPY"),
    )


def parse_balances(data) -> list[BalanceInfo]:
    rows = f.items(f.obj(data, "response"), "balances")
    return [_balance(row, f"balances[{i}]") for i, row in enumerate(rows)]


def _balance(row: dict, where: str) -> BalanceInfo:
    return BalanceInfo(
        remote_id=f.text(row, "accountId", where),
        balance=f.amount(row, "balance", where),
        currency=f.text(row, "currencyCode", where, default="JPY"),
        base_date=f.day(row, "baseDate", where),
        base_time=f.clock(row, "baseTime", where),
        withdrawable=f.amount(row, "withdrawableAmount", where, required=False),
        previous_day_balance=f.amount(row, "previousDayBalance", where, required=False),
    )


def parse_transactions(data, remote_id: str) -> TransactionPage:
    data = f.obj(data, "response")
    returned_for = f.text(data, "accountId", "response", default=remote_id)
    if returned_for != remote_id:  # never file another account's statements under this one
        raise f.bad("response.accountId", "not the account asked for")
    currency = f.text(data, "currencyCode", "response", default="JPY")
    rows = f.items(data, "transactions")
    page = tuple(_transaction(row, f"transactions[{i}]", currency) for i, row in enumerate(rows))
    cursor = None
    if f.flag(data, "hasNext", "response", default=False):
        cursor = f.text(data, "nextItemKey", "response", default="")
        if not cursor:
            raise f.bad("response.nextItemKey", "missing while hasNext is true")
    return TransactionPage(page, cursor)


_Line = plain_pages.line_struct(
    "_Line", item_key="itemKey", day="transactionDate", kind="transactionType", amount="amount",
    value_day="valueDate", remarks="remarks", balance="balance")


class _Page(msgspec.Struct, gc=False):
    transactions: list[_Line]
    accountId: str | None = None
    currencyCode: str | None = None
    hasNext: bool | None = None
    nextItemKey: str | None = None


_PAGE = msgspec.json.Decoder(_Page)


def transactions_from_body(body: bytes, remote_id: str) -> TransactionPage:
    """parse_transactions(decode_json(body), remote_id), a page in the usual form read in
    one pass (plain_pages): a third of the time."""
    return plain_pages.read(body, remote_id, _plain_page, parse_transactions)


def _plain_page(body: bytes, remote_id: str) -> TransactionPage | None:
    page = plain_pages.decode(_PAGE, body)
    if page is None or page.accountId not in (None, remote_id):
        return None
    cursor = page.nextItemKey if page.hasNext else None
    if page.hasNext and not cursor:
        return None
    currency = "JPY" if page.currencyCode is None else page.currencyCode
    rows = plain_pages.lines(page.transactions, SIGN_BY_TYPE, currency)
    return None if rows is None else TransactionPage(rows, cursor)


def _transaction(row: dict, where: str, currency: str) -> TransactionInfo:
    sign = SIGN_BY_TYPE.get(f.text(row, "transactionType", where))
    if sign is None:
        raise f.bad(f"{where}.transactionType", 'not "1" (入金) or "2" (出金)')
    magnitude = f.amount(row, "amount", where)
    if magnitude < 0:
        raise f.bad(f"{where}.amount", "negative; the sign comes from transactionType")
    return TransactionInfo(
        item_key=f.text(row, "itemKey", where),
        transaction_date=f.day(row, "transactionDate", where),
        value_date=f.day(row, "valueDate", where, required=False),
        amount=sign * magnitude,
        remarks=f.text(row, "remarks", where, default=""),
        balance_after=f.amount(row, "balance", where, required=False),
        currency=currency,
    )


def error_from_response(status: int, headers: Mapping, body: bytes, *,
                        now: datetime | None = None):
    """The typed error for a non-2xx answer; `now` only matters for HTTP-date Retry-After."""
    body_fields = error_fields(body)
    return error_for(
        status,
        retry_after=parse_retry_after(header(headers, "Retry-After"), now),
        bank_code=as_text(body_fields.get("errorCode")) or as_text(body_fields.get("error")),
        bank_message=as_text(body_fields.get("errorMessage"))
        or as_text(body_fields.get("error_description")),
        unavailable_codes=UNAVAILABLE_CODES,
    )
