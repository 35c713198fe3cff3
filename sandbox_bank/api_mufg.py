"""Resource API, `mufg` dialect (shape of MUFG's retail API behind IBM API Connect)."""

from __future__ import annotations

import re

from flask import Blueprint, request

from . import clock
from .api_common import ApiError, Call, api_view
from .context import sandbox
from .models import PERM_BALANCES, PERM_TRANSACTIONS, Account, Statement
from .paging import page, parse_date, window

bp = Blueprint("api_mufg", __name__)

SEQ_NO = re.compile(r"[0-9A-Za-z-]{25}")  # e.g. YYYYMMDD- plus 16
KEYWORD_LENGTH = 23


def mufg_token(code: str) -> str:
    client_id = request.headers.get("X-IBM-Client-Id", "")
    if not client_id or sandbox().state.client(client_id) is None:
        raise ApiError(401, "WG_ERR_401", "X-IBM-Client-Id が無効です")
    if not SEQ_NO.fullmatch(request.headers.get("X-BTMU-Seq-No", "")):
        raise ApiError(400, "WG_ERR_110", "X-BTMU-Seq-No は25文字で指定してください")
    auth = request.headers.get("Authorization", "")
    if not auth.lower().startswith("bearer ") or not auth[7:].strip():
        raise ApiError(401, "WG_ERR_401", "Authorization: Bearer がありません")
    token = auth[7:].strip()
    found = sandbox().state.token_by_access(token)
    if found is not None and found.client_id != client_id:
        raise ApiError(401, "WG_ERR_401", "X-IBM-Client-Id がトークンの発行先と一致しません")
    return token


def account_info(account: Account) -> dict:
    return {
        "accountId": account.account_id,
        "branchNo": account.branch_code,
        "branchName": account.branch_name,
        "accountTypeCode": account.type_code,
        "accountTypeDetailCode": account.type_code + "0",
        "accountTypeName": account.type_name,
        "accountNo": account.number,
        "accountName": account.name_kana,
        "currencyCode": account.currency,
    }


def transaction_id(st: Statement) -> str:
    return f"{st.seq:015d}"


def transaction_json(st: Statement) -> dict:
    row = {
        "settlementDate": st.date.isoformat(),
        "valueDate": st.value_date.isoformat(),
        "transactionId": transaction_id(st),
        "transactionType": st.kind,
        "debitCreditTypeCode": "1" if st.amount >= 0 else "2",
        "amount": str(abs(st.amount)),
        "balance": str(st.balance),
    }
    if st.remarks:
        row["remarks"] = st.remarks
    return row


def _operation() -> dict:
    now = clock.now()
    return {"operationDate": now.date().isoformat(), "operationTime": now.strftime("%H:%M:%S")}


@bp.get("/banks/<code>/btmu/retail/v2/me/accounts")
@api_view("mufg", mufg_token)
def accounts(call: Call):
    if not call.grant.permissions:
        raise ApiError(403, "WG_ERR_403", "照会は許可されていません")
    rows = []
    for account_id in call.grant.account_ids:
        account = call.account(account_id)
        row = account_info(account)
        if PERM_BALANCES in call.grant.permissions:  # balances only with 残高照会
            withdrawable = 0 if account.type_code == "11" else max(account.balance, 0)
            row["balance"] = str(account.balance)
            row["withdrawableAmount"] = str(withdrawable)
        rows.append(row)
    return {**_operation(), "accounts": rows}


@bp.get("/banks/<code>/btmu/retail/v2/me/accounts/<account_id>/transactions")
@api_view("mufg", mufg_token, ("inquiryDateFrom", "inquiryDateTo", "nextKeyword"))
def transactions(call: Call, account_id: str):
    call.require(PERM_TRANSACTIONS)
    date_from = parse_date(request.args.get("inquiryDateFrom"), "inquiryDateFrom")
    date_to = parse_date(request.args.get("inquiryDateTo"), "inquiryDateTo")
    keyword = request.args.get("nextKeyword")
    if keyword is not None and not (
        len(keyword) == KEYWORD_LENGTH and keyword.isascii() and keyword.isdigit()
    ):
        raise ApiError(400, "WG_ERR_110", "nextKeyword が不正です")
    account = call.account(account_id)
    date_from, date_to = window(account, date_from, date_to)
    result = page(call, account, date_from, date_to, int(keyword) if keyword else 0)
    body = {
        **_operation(),
        "accountInfo": account_info(account),
        "transactionDateFrom": result.date_from.isoformat(),
        "transactionDateTo": result.date_to.isoformat(),
        "nextFlag": "1" if result.next_seq is not None else "0",
    }
    if result.next_seq is not None:
        body["nextKeyword"] = f"{result.next_seq:0{KEYWORD_LENGTH}d}"
    body["number"] = str(len(result.rows))
    if result.rows:
        body["transactionIdFirst"] = transaction_id(result.rows[0])
        body["transactionIdLast"] = transaction_id(result.rows[-1])
    body["transactions"] = [transaction_json(s) for s in result.rows]
    return body
