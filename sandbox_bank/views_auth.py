"""The bank's authorization pages (login, certificate choice, consent) and token endpoints."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import Blueprint, Response, abort, redirect, render_template, request, session

from . import clock
from .context import bank_or_404, sandbox
from .models import PERM_BALANCES, PERM_TRANSACTIONS, permissions_scope, scope_permissions
from .oauth_server import ConsentedUser

bp = Blueprint("auth", __name__)

MSG_BAD_LOGIN = "ログインIDまたはパスワードが正しくありません。"
MSG_LOCKED = ("このログインIDはロックされています。"
              "窓口またはお電話でロック解除のお手続きをしてください。")
MSG_USE_CERT = "法人のお客さまは「電子証明書でログイン」をご利用ください。"
MSG_NO_CERT = "選択された電子証明書ではログインできません。"


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(16)
    return session["csrf"]


def _check_csrf() -> None:
    sent = request.form.get("csrf", "")
    if not secrets.compare_digest(sent, session.get("csrf", "")):
        abort(400, "CSRF token mismatch")


def _request_key() -> str:
    # The login is bound to this exact authorization request, not reused for another.
    return hashlib.sha256(request.query_string).hexdigest()


def _with_iss(response: Response, code: str) -> Response:
    if response.location and "iss=" not in response.location:
        response.location = add_params_to_uri(response.location,
                                              {"iss": sandbox().issuer(code)})
    return response


def _oauth_error(code: str, error: OAuth2Error):
    if error.redirect_uri:  # the client and redirect URI are known good: tell the client
        server = sandbox().servers[code]
        return _with_iss(server.handle_error_response(request, error), code)
    # Never redirect to an unverified URI: show the problem to the user instead.
    return render_template("error.html", error=error.error,
                           description=error.description), 400


@bp.route("/banks/<code>/auth/v1/authorization", methods=["GET", "POST"])
def authorization(code):
    profile = bank_or_404(code)
    server = sandbox().servers[code]
    try:
        grant = server.get_consent_grant(end_user=None)
    except OAuth2Error as error:
        return _oauth_error(code, error)
    state = sandbox().state
    logged = session.get("login", {})
    user = None
    if logged.get("bank") == code and logged.get("req") == _request_key():
        user = state.user(code, logged.get("login"))
    if request.method == "POST":
        _check_csrf()
        action = request.form.get("action")
        if action == "login":
            return _login(code, profile)
        if action == "consent" and user is not None:
            return _consent(code, profile, server, grant, user)
        abort(400)
    if user is None:
        return _render_login(profile)
    return _render_consent(profile, grant, user)


def _render_login(profile, error=None, status=200):
    return render_template("login.html", profile=profile, error=error,
                           csrf=_csrf_token(), qs=request.query_string.decode()), status


def _login(code, profile):
    state = sandbox().state
    method = request.form.get("method", "password")
    if method == "certificate_choose" and "certificate" in profile.login_methods:
        holders = [u for u in state.users[code].values() if u.certificate]
        return render_template("certificate.html", profile=profile, holders=holders,
                               csrf=_csrf_token(), qs=request.query_string.decode())
    if method == "certificate" and "certificate" in profile.login_methods:
        user = state.user(code, request.form.get("certificate"))
        if user is None or not user.certificate:
            return _render_login(profile, MSG_NO_CERT, 401)
    elif method == "password":
        user = state.user(code, request.form.get("login", "").strip())
        if user is None or not secrets.compare_digest(
            user.password.encode(), request.form.get("password", "").encode()
        ):
            return _render_login(profile, MSG_BAD_LOGIN, 401)
        if user.corporate and "certificate" in profile.login_methods:
            return _render_login(profile, MSG_USE_CERT, 401)
    else:
        abort(400)
    if user.script == "locked":
        return _render_login(profile, MSG_LOCKED, 423)
    session["login"] = {"bank": code, "login": user.login, "req": _request_key()}
    return redirect(request.full_path if request.query_string else request.path, code=303)


def _requested_permissions(grant) -> set[str]:
    return scope_permissions(grant.request.scope) or {PERM_BALANCES, PERM_TRANSACTIONS}


def _render_consent(profile, grant, user, error=None, status=200):
    expires = clock.now() + dt.timedelta(seconds=profile.consent_ttl)
    return render_template(
        "consent.html", profile=profile, client=grant.client, user=user,
        accounts=sandbox().state.user_accounts(profile.code, user.login),
        requested=_requested_permissions(grant), expires=expires, error=error,
        csrf=_csrf_token(), qs=request.query_string.decode(),
    ), status


def _consent(code, profile, server, grant, user):
    state = sandbox().state
    session.pop("login", None)
    if request.form.get("decision") != "agree":
        return server.create_authorization_response(grant=grant, grant_user=None)
    owned = {a.account_id for a in state.user_accounts(code, user.login)}
    accounts = [a for a in request.form.getlist("accounts") if a in owned]
    perms = set(request.form.getlist("permissions")) & _requested_permissions(grant)
    if not accounts or not perms:
        session["login"] = {"bank": code, "login": user.login, "req": _request_key()}
        message = "共有する口座と照会内容をそれぞれ1つ以上選んでください。"
        return _render_consent(profile, grant, user, message, 400)
    scope = permissions_scope(perms)
    record = state.create_grant(code, user, grant.client.client_id, accounts, scope,
                                profile.consent_ttl)
    return server.create_authorization_response(
        grant=grant, grant_user=ConsentedUser(user.login, record.grant_id, scope))


@bp.post("/banks/<code>/auth/v1/token")
def token(code):
    bank_or_404(code)
    return sandbox().servers[code].create_token_response()


@bp.post("/banks/<code>/auth/v1/tokens/revoke")
def revoke(code):
    bank_or_404(code)
    return sandbox().servers[code].create_endpoint_response("revocation")
