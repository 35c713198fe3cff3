"""Resource API, `gmo` dialect (shape of GMO Aozora Net Bank's personal API)."""

from __future__ import annotations

from flask import Blueprint, request

from . import clock
from .api_common import ApiError, Call, api_view
from .models import PERM_BALANCES, PERM_TRANSACTIONS, Account, Statement
from .paging import page, parse_date, window

bp = Blueprint("api_gmo", __name__)


def gmo_token(code: str) -> str:
    token = request.headers.get("x-access-token")
    if not token:
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            raise ApiError(401, "WG_ERR_401",
                           "Bearer は使えません。x-access-token で送ってください")
        raise ApiError(401, "WG_ERR_401", "x-access-token がありません")
    return token


def account_json(account: Account) -> dict:
    return {
        "accountId": account.account_id,
        "branchCode": account.branch_code,
        "branchName": account.branch_name,
        "accountTypeCode": account.type_code,
        "accountTypeName": account.type_name,
        "accountNumber": account.number,
        "primaryAccountCode": "1" if account.primary else "2",
        "accountName": account.name,
        "accountNameKana": account.name_kana,
        "currencyCode": account.currency,
    }


def transaction_json(st: Statement) -> dict:
    row = {
        "transactionDate": st.date.isoformat(),
        "valueDate": st.value_date.isoformat(),
        "transactionType": "1" if st.amount >= 0 else "2",
        "amount": str(abs(st.amount)),
    }
    if st.remarks:  # optional fields are omitted, never null
        row["remarks"] = st.remarks
    row["balance"] = str(st.balance)
    row["itemKey"] = st.item_key
    return row


def balance_json(account: Account) -> dict:
    base_date, base_time = clock.base_date_time()
    withdrawable = 0 if account.type_code == "11" else max(account.balance, 0)
    return {
        "accountId": account.account_id,
        "accountTypeCode": account.type_code,
        "balance": str(account.balance),
        "baseDate": base_date,
        "baseTime": base_time,
        "withdrawableAmount": str(withdrawable),
        "previousDayBalance": str(account.balance_before(clock.today())),
        "currencyCode": account.currency,
    }


@bp.get("/banks/<code>/personal/v1/accounts")
@api_view("gmo", gmo_token)
def accounts(call: Call):
    if not call.grant.permissions:
        raise ApiError(403, "WG_ERR_403", "照会は許可されていません")
    base_date, base_time = clock.base_date_time()
    rows = [account_json(call.account(a)) for a in call.grant.account_ids]
    return {"baseDate": base_date, "baseTime": base_time, "accounts": rows}


@bp.get("/banks/<code>/personal/v1/accounts/balances")
@api_view("gmo", gmo_token, ("accountId",))
def balances(call: Call):
    call.require(PERM_BALANCES)
    wanted = request.args.get("accountId")
    ids = [wanted] if wanted is not None else call.grant.account_ids
    return {"balances": [balance_json(call.account(a)) for a in ids]}


@bp.get("/banks/<code>/personal/v1/accounts/transactions")
@api_view("gmo", gmo_token, ("accountId", "dateFrom", "dateTo", "nextItemKey"))
def transactions(call: Call):
    call.require(PERM_TRANSACTIONS)
    account_id = request.args.get("accountId")
    if not account_id:
        raise ApiError(400, "WG_ERR_110", "accountId は必須です")
    date_from = parse_date(request.args.get("dateFrom"), "dateFrom")
    date_to = parse_date(request.args.get("dateTo"), "dateTo")
    key = request.args.get("nextItemKey")
    if key is not None and not (key.isascii() and key.isdigit() and len(key) <= 10):
        raise ApiError(400, "WG_ERR_110", "nextItemKey が不正です")
    account = call.account(account_id)
    date_from, date_to = window(account, date_from, date_to)
    result = page(call, account, date_from, date_to, int(key) if key else 0)
    base_date, base_time = clock.base_date_time()
    body = {
        "accountId": account.account_id,
        "currencyCode": account.currency,
        "dateFrom": result.date_from.isoformat(),
        "dateTo": result.date_to.isoformat(),
        "baseDate": base_date,
        "baseTime": base_time,
        "hasNext": result.next_seq is not None,
    }
    if result.next_seq is not None:
        body["nextItemKey"] = f"{result.next_seq:010d}"
    body["count"] = str(len(result.rows))
    body["transactions"] = [transaction_json(s) for s in result.rows]
    return body
