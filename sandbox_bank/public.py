"""Public pages: the index, each bank's status and metadata, and the OpenAPI file."""

from __future__ import annotations

import datetime as dt
from importlib import resources

from flask import Blueprint, Response, jsonify, render_template

from . import clock, service_hours
from .context import bank_or_404, sandbox
from .data.seed import DEMO_PASSWORD
from .models import SCOPES

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    state = sandbox().state
    banks = []
    for code, profile in state.profiles.items():
        users = []
        for user in state.users[code].values():
            if user.login.startswith("vol"):
                continue
            users.append({"user": user, "accounts": state.user_accounts(code, user.login)})
        banks.append({"profile": profile, "issuer": sandbox().issuer(code), "users": users})
    return render_template("index.html", banks=banks, password=DEMO_PASSWORD)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


@bp.get("/banks/<code>/_sandbox/status")
def status(code):
    profile = bank_or_404(code)
    box = sandbox()
    now = clock.now()
    until = service_hours.closed_until(profile.service_hours, now)
    hours_apply = profile.enforce_service_hours
    maintenance = box.faults.maintenance_until(code)
    closed_by_hours = bool(hours_apply and until)
    open_now = not closed_by_hours and maintenance is None
    next_opening = None
    if not open_now:
        ends = [until] if closed_by_hours else []
        if maintenance is not None and maintenance != float("inf"):
            ends.append(dt.datetime.fromtimestamp(maintenance, clock.JST))
        if maintenance != float("inf") and ends:
            next_opening = max(ends)
    return jsonify({
        "bankCode": code,
        "bankName": profile.name,
        "dialect": profile.dialect,
        "sandbox": True,
        "now": _iso(now),
        "open": open_now,
        "nextOpening": _iso(next_opening),
        "nextClosing": _iso(service_hours.next_closing(profile.service_hours, now))
        if hours_apply else None,
        "serviceHours": {"enforced": hours_apply, "closures": profile.service_hours,
                         "timezone": "Asia/Tokyo"},
        "maintenance": None if maintenance is None else {
            "until": None if maintenance == float("inf")
            else _iso(dt.datetime.fromtimestamp(maintenance, clock.JST))},
        "rateLimit": profile.rate_limit,
        "accessTokenTtl": profile.access_token_ttl,
        "consentTtl": profile.consent_ttl,
        "codeTtl": profile.code_ttl,
        "historyMonths": profile.history_months,
        "pageSize": profile.page_size,
        "loginMethods": profile.login_methods,
        "oneGrantPerUser": profile.one_grant_per_user,
    })


def metadata(code: str) -> dict:
    issuer = sandbox().issuer(code)
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/auth/v1/authorization",
        "token_endpoint": f"{issuer}/auth/v1/token",
        "revocation_endpoint": f"{issuer}/auth/v1/tokens/revoke",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": SCOPES,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic",
                                                       "client_secret_post"],
        "authorization_response_iss_parameter_supported": True,
    }


@bp.get("/banks/<code>/.well-known/oauth-authorization-server")
def bank_metadata(code):
    bank_or_404(code)
    return jsonify(metadata(code))


@bp.get("/.well-known/oauth-authorization-server/banks/<code>")
def rfc8414_metadata(code):
    # RFC 8414 section 3 puts the well-known segment before the issuer's path.
    bank_or_404(code)
    return jsonify(metadata(code))


@bp.get("/openapi.yaml")
def openapi():
    text = resources.files("sandbox_bank").joinpath("openapi.yaml").read_text("utf-8")
    return Response(text, content_type="application/yaml; charset=utf-8")
