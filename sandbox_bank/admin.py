"""Sandbox-only admin endpoints (faults, ground truth, arrivals, clients, profile, users).

Guarded by the X-Sandbox-Admin-Token header: 401 without it, 403 when wrong or unset."""

from __future__ import annotations

import secrets
import time

from flask import Blueprint, abort, jsonify, request

from . import faults as fault_rules
from .api_gmo import account_json, transaction_json
from .context import bank_or_404, sandbox

bp = Blueprint("admin", __name__)


@bp.before_request
def require_admin_token():
    if "/_sandbox/" not in request.path or request.path.endswith("/_sandbox/status"):
        return None
    expected = sandbox().config.get("ADMIN_TOKEN")
    sent = request.headers.get("X-Sandbox-Admin-Token")
    if not sent:
        return jsonify(error="admin_token_required"), 401
    if not expected or not secrets.compare_digest(sent.encode(), str(expected).encode()):
        return jsonify(error="admin_token_invalid"), 403
    return None


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(jsonify(error="bad_request", detail="a JSON object body is required"), 400)
    return body


def _bad(detail: str):
    return jsonify(error="bad_request", detail=detail), 400


@bp.post("/_sandbox/clients")
def register_client():
    try:
        client = sandbox().state.add_client(_body())
    except ValueError as exc:
        return _bad(str(exc))
    return jsonify({k: v for k, v in client.to_dict().items() if k != "client_secret"}), 201


@bp.get("/banks/<code>/_sandbox/faults")
def list_faults(code):
    bank_or_404(code)
    return jsonify(faults=sandbox().faults.list(code))


@bp.post("/banks/<code>/_sandbox/faults")
def add_fault(code):
    bank_or_404(code)
    try:
        mode, params, count, seconds = fault_rules.parse(_body())
    except ValueError as exc:
        return _bad(str(exc))
    state = sandbox().state
    if mode == "revoke_consents":
        hits = state.revoke_grants(code, params.get("login"), "password_changed")
        return jsonify(mode=mode, applied=True, consents=hits)
    if mode == "expire_consents":
        hits = state.expire_grants(code, params.get("login"))
        return jsonify(mode=mode, applied=True, consents=hits)
    fault = sandbox().faults.add(code, mode, params, count, seconds)
    return jsonify(fault.to_dict()), 201


@bp.delete("/banks/<code>/_sandbox/faults")
def clear_faults(code):
    bank_or_404(code)
    return jsonify(cleared=sandbox().faults.clear(code))


@bp.get("/banks/<code>/_sandbox/ground-truth/<account_id>")
def ground_truth(code, account_id):
    bank_or_404(code)
    state = sandbox().state
    account = state.account(code, account_id)
    if account is None:
        abort(404)
    with state.lock:
        rows = [transaction_json(s) for s in state.held_statements(account)]
        balance = account.balance
    return jsonify(accountId=account_id, currencyCode=account.currency, count=len(rows),
                   balance=str(balance), transactions=rows)


def _valid_items(items) -> str | None:
    if not isinstance(items, list) or not items:
        return "transactions must be a non-empty list"
    for item in items:
        if not isinstance(item, dict):
            return "each transaction must be an object"
        amount = item.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
            return "amount must be a non-zero integer (signed yen)"
        if item.get("remarks") is not None and not isinstance(item["remarks"], str):
            return "remarks must be a string"
        for key in ("date", "valueDate"):
            value = item.get(key)
            if value is not None and (not isinstance(value, str) or len(value) != 10):
                return f"{key} must be YYYY-MM-DD"
    return None


@bp.post("/banks/<code>/_sandbox/accounts/<account_id>/transactions")
def add_transactions(code, account_id):
    bank_or_404(code)
    state = sandbox().state
    account = state.account(code, account_id)
    if account is None:
        abort(404)
    body = _body()
    items, count = body.get("transactions"), body.get("count")
    if items is None:
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 100_000:
            return _bad("give count (1..100000) or transactions")
    elif problem := _valid_items(items):
        return _bad(problem)
    try:
        rows = state.append_statements(account, items, count or 0)
    except ValueError as exc:
        return _bad(str(exc))
    return jsonify(accountId=account_id, balance=str(account.balance),
                   transactions=[transaction_json(s) for s in rows]), 201


@bp.get("/banks/<code>/_sandbox/profile")
def get_profile(code):
    return jsonify(bank_or_404(code).to_dict())


@bp.patch("/banks/<code>/_sandbox/profile")
def patch_profile(code):
    profile = bank_or_404(code)
    try:
        with sandbox().state.lock:
            profile.apply(_body())
    except ValueError as exc:
        return _bad(str(exc))
    sandbox().limiter.reset(code)
    return jsonify(profile.to_dict())


@bp.get("/banks/<code>/_sandbox/rate-limit")
def rate_limit_counts(code):
    """Calls each client made to the resource API, let through and refused for the limit."""
    profile = bank_or_404(code)
    return jsonify(rate_limit=profile.rate_limit, clients=sandbox().limiter.counts(code))


@bp.delete("/banks/<code>/_sandbox/rate-limit")
def clear_rate_limit_counts(code):
    bank_or_404(code)
    limiter = sandbox().limiter
    limiter.clear_counts(code)
    limiter.reset(code)
    return jsonify(cleared=True)


def _user_or_404(code, login):
    bank_or_404(code)
    user = sandbox().state.user(code, login)
    if user is None:
        abort(404)
    return user


@bp.get("/banks/<code>/_sandbox/users/<login>")
def user_info(code, login):
    user = _user_or_404(code, login)
    state = sandbox().state
    return jsonify(login=user.login, name=user.name, corporate=user.corporate,
                   certificate=user.certificate, script=user.script,
                   accounts=[account_json(a) for a in state.user_accounts(code, login)])


@bp.post("/banks/<code>/_sandbox/users/<login>/revoke")
def revoke_user(code, login):
    user = _user_or_404(code, login)
    state = sandbox().state
    with state.lock:
        user.revoked_at = time.time()  # as if the password changed: older consents die
        hits = state.revoke_grants(code, login, "password_changed")
    return jsonify(login=login, revoked=hits)


@bp.post("/banks/<code>/_sandbox/users/<login>/expire")
def expire_user(code, login):
    _user_or_404(code, login)
    return jsonify(login=login, expired=sandbox().state.expire_grants(code, login))
