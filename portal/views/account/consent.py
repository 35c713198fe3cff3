"""The account's link to its bank: the completion page after registering, the notes page, and
the redirect to the bank's consent screen (the callback is views.oauth_callback)."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...db import get_session
from ...models import SyncMethod
from ...services import connections, sharing
from ..http import see_other
from . import current_account

bp = Blueprint("consent", __name__)


@bp.get("/registered")
def registered():
    account = current_account()
    return render_template("accounts/registered.html", api=account.sync_method == SyncMethod.API)


@bp.route("/connect", methods=["GET", "POST"])
def start():
    account = current_account()
    bank = current_app.extensions["bank_registry"].get(account.bank_code)
    if bank is None or account.sync_method == SyncMethod.MANUAL:
        flash(_("この口座はAPI連携に対応していません。"), "error")
        return see_other("home.index")
    if request.method == "GET":
        existing = None
        if account.connection_id is None:
            existing = sharing.active_connection_for_bank(get_session(), account.office_id,
                                                          account.bank_code)
        return render_template("connect/notes.html", bank=bank, existing=existing)
    url, pending = connections.begin_consent(
        bank, redirect_uri=url_for("oauth.callback", _external=True), account_id=account.id,
        connection_id=account.connection_id)
    # Kept server-side until the callback takes it (once): the cookie holds no verifier or state.
    connections.keep_pending(get_session(), pending, user_id=current_user.id,
                             office_id=account.office_id)
    return redirect(url, code=303)
