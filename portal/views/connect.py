"""Consent at the bank: the notes page, the redirect, and the callback."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..db import get_session
from ..services import accounts as accounts_svc
from ..services import connections, sharing, sync_queue
from ..web_helpers import or_404, see_other
from . import reauth

bp = Blueprint("connect", __name__)

PENDING_KEY = "oauth_pending"

MESSAGES = {
    "access_denied": _l("銀行で連携が許可されませんでした。もう一度お試しになるか、手動で取引を登録してください。"),  # noqa: E501
    "state_mismatch": _l("認証の要求が見つからないか、すでに使用済みです。口座の一覧からもう一度認証を始めてください。"),  # noqa: E501
    "state_expired": _l("認証の有効時間が過ぎました。口座の一覧からもう一度認証を始めてください。"),
    "issuer_mismatch": _l("認証の応答が想定した銀行からのものではありません。安全のため連携を中止しました。もう一度お試しください。"),  # noqa: E501
    "token_refused": _l("銀行がトークンの発行を拒否しました。時間をおいて、もう一度認証を始めてください。"),
    "bank_unreachable": _l("銀行に接続できませんでした。時間をおいて、もう一度認証を始めてください。"),
    "scope_missing": _l("「残高照会」と「入出金明細照会」の両方を許可してください。もう一度認証を始めてください。"),  # noqa: E501
    "account_missing": _l("連携する口座が見つかりません。口座の一覧からもう一度お試しください。"),
    "bank_error": _l("銀行から認証エラーが返されました。もう一度認証を始めてください。"),
}


def _redirect_uri() -> str:
    return url_for("connect.callback", _external=True)


def _bank_for(account):
    return current_app.extensions["bank_registry"].get(account.bank_code)


@bp.route("/accounts/<int:account_id>/connect", methods=["GET", "POST"])
@login_required
def start(account_id: int):
    account = or_404(accounts_svc.get_account(get_session(), current_user.office_id, account_id))
    bank = _bank_for(account)
    if bank is None or account.sync_method == "manual":
        flash(_("この口座はAPI連携に対応していません。"), "error")
        return see_other("home.index")
    if request.method == "GET":
        existing = None
        if account.connection_id is None:
            existing = sharing.active_connection_for_bank(get_session(), current_user.office_id,
                                                          account.bank_code)
        return render_template("connect/notes.html", account=account, bank=bank,
                               existing=existing,
                               bank_name=accounts_svc.bank_name(account.bank_code))
    url, pending = connections.begin_consent(bank, redirect_uri=_redirect_uri(),
                                             account_id=account.id,
                                             connection_id=account.connection_id)
    # One pending consent per state; popped on return so a replayed callback finds nothing.
    pendings = session.get(PENDING_KEY, {})
    pendings = dict(list(pendings.items())[-4:])
    pendings[pending.state] = pending.to_dict()
    session[PENDING_KEY] = pendings
    return redirect(url, code=303)


def _fail(reason: str):
    flash(str(MESSAGES.get(reason, MESSAGES["bank_error"])), "error")
    return see_other("home.index")


@bp.get("/oauth/callback")
@login_required
def callback():
    pendings = dict(session.get(PENDING_KEY, {}))
    data = pendings.pop(request.args.get("state", ""), None)
    session[PENDING_KEY] = pendings
    if data is None:
        return _fail("state_mismatch")
    pending = connections.PendingConsent(**data)
    if pending.expired:
        return _fail("state_expired")
    bank = current_app.extensions["bank_registry"].get(pending.bank_code)
    if bank is None:
        return _fail("account_missing")
    # RFC 9207: the authorization server names itself; a mismatch means a mix-up attack.
    if request.args.get("iss") != bank.issuer:
        return _fail("issuer_mismatch")
    if request.args.get("error"):
        return _fail("access_denied" if request.args["error"] == "access_denied" else "bank_error")
    code = request.args.get("code")
    if not code:
        return _fail("bank_error")
    try:
        token = connections.exchange_code(bank, pending, code=code, redirect_uri=_redirect_uri())
        conn = connections.connect(get_session(), current_app.extensions["token_cipher"], bank,
                                   pending, token, office_id=current_user.office_id,
                                   remote_ids=connections.consent_remote_ids(bank, token))
    except connections.ConsentError as exc:
        return _fail(exc.reason)
    bank_name = accounts_svc.bank_name(bank.bank_code)
    if pending.connection_id is None:
        flash(_("%(bank)sとの連携が許可されました。[今すぐ同期]で明細を取得しましょう。",
                bank=bank_name), "success")
        return see_other("home.index")
    # Re-authentication: the accounts pick up from their last synced date by themselves.
    for account in accounts_svc.accounts_of_connection(get_session(), conn):
        if account.remote_account_id:
            sync_queue.request_sync(get_session(), account, trigger="user")
    flash(_("%(bank)sの再認証が完了しました。同期を再開します。", bank=bank_name), "success")
    queue = [c for c in session.get(reauth.QUEUE_KEY, []) if c != conn.id]
    session[reauth.QUEUE_KEY] = queue
    return see_other("reauth.index" if queue else "home.index")
