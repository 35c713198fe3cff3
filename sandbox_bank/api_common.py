"""What every resource-API call goes through, in order: bank and dialect, maintenance and
service hours, injected faults, token, rate limit; then the view; then body faults."""

from __future__ import annotations

import functools
import json
import socket
import struct
import time
from dataclasses import dataclass

from flask import Response, abort, request

from . import clock, service_hours
from .context import sandbox
from .models import Grant, Token

MSG_EXPIRED = "(0104)お客様の認可期間が終了しました"
MSG_REVOKED = "アクセス許可が失効したため連携を再設定していただく必要があります"
MSG_CLOSED = "サービス時間外またはメンテナンス中です。時間をおいて再度お試しください。"
HTTP_TEXT = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
             429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
             503: "Service Unavailable", 504: "Gateway Timeout"}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


@dataclass
class Call:
    """What an API view receives: the bank, the token and the consent behind it."""

    code: str
    profile: object
    token: Token
    grant: Grant

    def require(self, permission: str) -> None:
        if permission not in self.grant.permissions:
            raise ApiError(403, "WG_ERR_403", f"この照会は許可されていません ({permission})")

    def account(self, account_id: str | None):
        if not account_id or account_id not in self.grant.account_ids:
            raise ApiError(403, "WG_ERR_403", "この口座は連携の対象ではありません")
        account = sandbox().state.account(self.code, account_id)
        if account is None:
            raise ApiError(403, "WG_ERR_403", "この口座は連携の対象ではありません")
        return account


def error_body(dialect: str, err: ApiError) -> dict:
    if dialect == "mufg":  # IBM API Connect style
        return {"httpCode": str(err.status), "httpMessage": HTTP_TEXT.get(err.status, "Error"),
                "moreInformation": err.message}
    return {"errorCode": err.code, "errorMessage": err.message}


def json_response(payload: dict, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False)
    return Response(body, status=status, headers=headers or {},
                    content_type="application/json; charset=utf-8")


def closed_reason(code: str) -> str | None:
    box = sandbox()
    if box.faults.take(code, "maintenance"):
        return "maintenance"
    profile = box.state.profiles[code]
    if profile.enforce_service_hours and service_hours.closed_until(
        profile.service_hours, clock.now()
    ):
        return "hours"
    return None


def authenticate(code: str, access: str | None) -> tuple[Token, Grant]:
    state = sandbox().state
    token = state.token_by_access(access or "")
    if token is None or token.bank_code != code:
        raise ApiError(401, "WG_ERR_401", "アクセストークンが無効です")
    # The consent's fate first: it tells the client to send the user back through consent.
    problem = state.grant_problem(state.grants.get(token.grant_id))
    if problem == "expired":
        raise ApiError(401, "WG_ERR_401", MSG_EXPIRED)
    if problem:
        raise ApiError(401, "WG_ERR_401", MSG_REVOKED)
    if token.access_revoked:
        raise ApiError(401, "WG_ERR_401", "アクセストークンが無効です")
    if token.is_expired(time.time()):
        raise ApiError(401, "WG_ERR_401", "アクセストークンの有効期限が切れています")
    return token, state.grants[token.grant_id]


def api_view(dialect: str, credentials, params: tuple[str, ...] = ()):
    """Wrap a view `view(call, **kwargs) -> dict`. `credentials(code)` reads the token from
    the request in the dialect's own way (raising ApiError) and returns it. Query parameters
    other than `params` are refused: a misspelt `dateFrom` must not silently mean "today"."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(code, **kwargs):
            box = sandbox()
            profile = box.state.profile(code)
            if profile is None or profile.dialect != dialect:
                abort(404)
            try:
                payload = _run(box, code, profile, credentials, view, kwargs, params)
            except ApiError as err:
                return json_response(error_body(dialect, err), err.status, err.headers)
            return _deliver(box, code, payload)

        return wrapper

    return decorate


def _run(box, code, profile, credentials, view, kwargs, params):
    if closed_reason(code):
        raise ApiError(503, "WG_ERR_300", MSG_CLOSED)
    fault = box.faults.take(code, "rate_limit")
    if fault:
        retry = str(fault.params["retry_after"])
        raise ApiError(429, "WG_ERR_429", "リクエストが多すぎます", {"Retry-After": retry})
    fault = box.faults.take(code, "server_error")
    if fault:
        status = fault.params["status"]
        raise ApiError(status, "WG_ERR_500", "システムエラーが発生しました（注入された障害）")
    fault = box.faults.take(code, "slow")
    if fault:
        time.sleep(fault.params["delay"])  # the injected slowness itself, not a wait for state
    token, grant = authenticate(code, credentials(code))
    limit = profile.rate_limit
    wait = box.limiter.check((code, token.client_id), limit["requests"], limit["per_seconds"])
    if wait is not None:
        raise ApiError(429, "WG_ERR_429", "リクエストが多すぎます", {"Retry-After": str(wait)})
    unknown = sorted(set(request.args) - set(params))
    if unknown:
        raise ApiError(400, "WG_ERR_110", f"不明なパラメータです: {', '.join(unknown)[:100]}")
    return view(Call(code, profile, token, grant), **kwargs)


def _deliver(box, code, payload) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode()
    if box.faults.take(code, "truncate"):
        cut = body[: max(1, len(body) // 2)]
        return Response(cut, 200, content_type="application/json; charset=utf-8")
    if box.faults.take(code, "malformed"):
        # Complete JSON, but not the documented shape: no client can use it, however often.
        body = json.dumps({"malformed": "注入された障害"}, ensure_ascii=False).encode()
        return Response(body, 200, content_type="application/json; charset=utf-8")
    if box.faults.take(code, "reset"):
        sock = request.environ.get("werkzeug.socket")
        return Response(_reset_midway(body, sock), 200, headers={"Content-Length": str(len(body))},
                        content_type="application/json; charset=utf-8")
    return Response(body, 200, content_type="application/json; charset=utf-8")


def _reset_midway(body: bytes, sock):
    yield body[: max(1, len(body) // 2)]
    if sock is not None:
        # Linger 0 makes the close send a TCP RST: the client sees a reset, not a clean EOF.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    raise ConnectionResetError("injected connection reset")
