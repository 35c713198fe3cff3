"""The bank sends the user back here after its consent screen."""
from flask import Blueprint, current_app, flash, request, url_for
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..db import get_session
from ..models.vocabulary import AuditAction
from ..services import accounts as accounts_svc
from ..services import audit, connections, reauth
from .acting import actor
from .http import see_other

bp = Blueprint("oauth", __name__)

REAUTH_QUEUE_KEY = "reauth_queue"

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


def _fail(reason: str):
    flash(str(MESSAGES.get(reason, MESSAGES["bank_error"])), "error")
    return see_other("home.index")


@bp.get("/oauth/callback")
@login_required
def callback():
    # Looked up by state and owner, and spent: a replayed or another user's callback finds nothing.
    pending = connections.take_pending(get_session(), request.args.get("state", ""),
                                       user_id=current_user.id)
    if pending is None:
        return _fail("state_mismatch")
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
    redirect_uri = url_for("oauth.callback", _external=True)
    try:
        token = connections.exchange_code(bank, pending, code=code, redirect_uri=redirect_uri)
        conn = connections.connect(get_session(), current_app.extensions["token_cipher"], bank,
                                   pending, token, office_id=current_user.office_id,
                                   remote_ids=connections.consent_remote_ids(bank, token))
    except connections.ConsentError as exc:
        return _fail(exc.reason)
    bank_name = accounts_svc.bank_name(bank.bank_code)
    # connect() commits the consent; its audit entry is committed right after.
    audit.record(get_session(), conn.office_id, actor(), AuditAction.CONSENT_GRANTED,
                 target=bank_name, detail="renewed" if pending.connection_id else "granted")
    get_session().commit()
    if pending.connection_id is None:
        flash(_("%(bank)sとの連携が許可されました。[今すぐ同期]で明細を取得しましょう。",
                bank=bank_name), "success")
        return see_other("home.index")
    reauth.resume_syncs(get_session(), conn)
    flash(_("%(bank)sの再認証が完了しました。同期を再開します。", bank=bank_name), "success")
    queue = [c for c in cookie_session.get(REAUTH_QUEUE_KEY, []) if c != conn.id]
    cookie_session[REAUTH_QUEUE_KEY] = queue
    return see_other("reauth.index" if queue else "home.index")
