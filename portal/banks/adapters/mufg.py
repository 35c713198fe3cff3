"""The `mufg` dialect (MUFG developer portal shape): pure request builders and parsers.

Shape: `Authorization: Bearer` plus `X-IBM-Client-Id` and a 25-character `X-BTMU-Seq-No`;
the account id sits in the path; statements page with nextFlag "0"/"1" + nextKeyword;
errors are IBM API Connect style {httpCode, httpMessage, moreInformation}.

Balances: this dialect has no balances endpoint; the accounts list carries `balance` and
`withdrawableAmount`. So `balances_request` builds the accounts request and `parse_balances`
reads the balances out of that list (filtering by account is the caller's job).
Sign: `debitCreditTypeCode` "1" = 入金 (credit, +), "2" = 出金 (debit, -); amounts are
magnitudes. `transactionType` (the kind, e.g. 振込) and `memo` are not needed and ignored.
"""
import secrets
from collections.abc import Mapping
from datetime import date, datetime
from urllib.parse import quote

import msgspec

from ...dates import JST
from ..types import BalanceInfo, HttpRequest, RemoteAccountInfo, TransactionInfo, TransactionPage
from . import fields as f
from . import plain_pages
from .responses import as_text, error_fields, error_for, header, parse_retry_after

API_PATH = "/btmu/retail/v2/me/accounts"
SIGN_BY_DEBIT_CREDIT = {"1": 1, "2": -1}
SEQ_NO_LENGTH = 25


def new_seq_no(today: date | None = None) -> str:
    """`YYYYMMDD-` + 16 random hex digits: 25 characters, unique per request."""
    return f"{(today or datetime.now(JST).date()):%Y%m%d}-{secrets.token_hex(8)}"


def _request(api_base: str, token: str, client_id: str, path: str, params: dict,
             seq_no: str | None) -> HttpRequest:
    seq_no = seq_no or new_seq_no()
    if len(seq_no) != SEQ_NO_LENGTH:
        raise ValueError("X-BTMU-Seq-No must be exactly 25 characters")
    headers = {"Authorization": f"Bearer {token}", "X-IBM-Client-Id": client_id,
               "X-BTMU-Seq-No": seq_no, "Accept": "application/json"}
    return HttpRequest("GET", api_base.rstrip("/") + API_PATH + path, params, headers)


def accounts_request(api_base: str, token: str, client_id: str, *,
                     seq_no: str | None = None) -> HttpRequest:
    return _request(api_base, token, client_id, "", {}, seq_no)


def balances_request(api_base: str, token: str, client_id: str, remote_id: str | None = None,
                     *, seq_no: str | None = None) -> HttpRequest:
    # Balances come with the accounts list (see the module docstring); remote_id is unused.
    return accounts_request(api_base, token, client_id, seq_no=seq_no)


def transactions_request(api_base: str, token: str, client_id: str, remote_id: str,
                         date_from: date, date_to: date, cursor: str | None = None, *,
                         seq_no: str | None = None) -> HttpRequest:
    params = {"inquiryDateFrom": date_from.isoformat(), "inquiryDateTo": date_to.isoformat()}
    if cursor:
        params["nextKeyword"] = cursor
    path = f"/{quote(remote_id, safe='')}/transactions"
    return _request(api_base, token, client_id, path, params, seq_no)


def parse_accounts(data) -> list[RemoteAccountInfo]:
    rows = f.items(f.obj(data, "response"), "accounts")
    return [_account(row, f"accounts[{i}]") for i, row in enumerate(rows)]


def _account(row: dict, where: str) -> RemoteAccountInfo:
    return RemoteAccountInfo(
        remote_id=f.text(row, "accountId", where),
        branch_code=f.text(row, "branchNo", where),
        branch_name=f.text(row, "branchName", where, default=""),
        account_type_code=f.text(row, "accountTypeCode", where),
        account_type_name=f.text(row, "accountTypeName", where, default=""),
        account_number=f.text(row, "accountNo", where),
        account_name=f.text(row, "accountName", where, default=""),
        account_name_kana=f.text(row, "accountNameKana", where, default=""),
        currency=f.text(row, "currencyCode", where, default="JPY"),
    )


def parse_balances(data, *, today: date | None = None) -> list[BalanceInfo]:
    """Balances from the accounts list, as of operationDate/operationTime when given.

    The documented account list carries no date of its own; without one the balance is
    as of the call, i.e. today in JST (`today` lets tests pin it).
    """
    data = f.obj(data, "response")
    rows = f.items(data, "accounts")
    base_date = f.day(data, "operationDate", "response", required=False)
    base_time = f.clock(data, "operationTime", "response")
    base_date = base_date or today or datetime.now(JST).date()
    return [_balance(row, f"accounts[{i}]", base_date, base_time) for i, row in enumerate(rows)]


def _balance(row: dict, where: str, base_date: date, base_time) -> BalanceInfo:
    return BalanceInfo(
        remote_id=f.text(row, "accountId", where),
        balance=f.amount(row, "balance", where),
        currency=f.text(row, "currencyCode", where, default="JPY"),
        base_date=base_date,
        base_time=base_time,
        withdrawable=f.amount(row, "withdrawableAmount", where, required=False),
        previous_day_balance=None,  # not in this dialect
    )


def parse_transactions(data, remote_id: str) -> TransactionPage:
    data = f.obj(data, "response")
    info = data.get("accountInfo")
    info = {} if info is None else f.obj(info, "response.accountInfo")
    if f.text(info, "accountId", "accountInfo", default=remote_id) != remote_id:
        raise f.bad("accountInfo.accountId", "not the account asked for")
    currency = f.text(info, "currencyCode", "accountInfo", default="JPY")
    rows = f.items(data, "transactions")
    page = tuple(_transaction(row, f"transactions[{i}]", currency) for i, row in enumerate(rows))
    cursor = None
    if f.flag(data, "nextFlag", "response", default=False):
        cursor = f.text(data, "nextKeyword", "response", default="")
        if not cursor:
            raise f.bad("response.nextKeyword", 'missing while nextFlag is "1"')
    return TransactionPage(page, cursor)


_Line = plain_pages.line_struct(
    "_Line", item_key="transactionId", day="settlementDate", kind="debitCreditTypeCode",
    amount="amount", value_day="valueDate", remarks="remarks", balance="balance")


class _Info(msgspec.Struct, gc=False):
    accountId: str | None = None
    currencyCode: str | None = None


class _Page(msgspec.Struct, gc=False):
    transactions: list[_Line]
    accountInfo: _Info | None = None
    nextFlag: str | None = None
    nextKeyword: str | None = None


_PAGE = msgspec.json.Decoder(_Page)
_NEXT = {None: False, "0": False, "1": True}  # nextFlag as banks send it; else read by f.flag


def transactions_from_body(body: bytes, remote_id: str) -> TransactionPage:
    """parse_transactions(decode_json(body), remote_id), a page in the usual form read in
    one pass (plain_pages): a third of the time."""
    return plain_pages.read(body, remote_id, _plain_page, parse_transactions)


def _plain_page(body: bytes, remote_id: str) -> TransactionPage | None:
    page = plain_pages.decode(_PAGE, body)
    if page is None or page.nextFlag not in _NEXT:
        return None
    info = page.accountInfo or _Info()
    if info.accountId not in (None, remote_id):
        return None
    cursor = page.nextKeyword if _NEXT[page.nextFlag] else None
    if _NEXT[page.nextFlag] and not cursor:
        return None
    currency = "JPY" if info.currencyCode is None else info.currencyCode
    rows = plain_pages.lines(page.transactions, SIGN_BY_DEBIT_CREDIT, currency)
    return None if rows is None else TransactionPage(rows, cursor)


def _transaction(row: dict, where: str, currency: str) -> TransactionInfo:
    sign = SIGN_BY_DEBIT_CREDIT.get(f.text(row, "debitCreditTypeCode", where))
    if sign is None:
        raise f.bad(f"{where}.debitCreditTypeCode", 'not "1" (入金) or "2" (出金)')
    magnitude = f.amount(row, "amount", where)
    if magnitude < 0:
        raise f.bad(f"{where}.amount", "negative; the sign comes from debitCreditTypeCode")
    return TransactionInfo(
        item_key=f.text(row, "transactionId", where),
        transaction_date=f.day(row, "settlementDate", where),
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
        bank_code=as_text(body_fields.get("httpCode")) or as_text(body_fields.get("error")),
        bank_message=as_text(body_fields.get("moreInformation"))
        or as_text(body_fields.get("httpMessage")),
    )
