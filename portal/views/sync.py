"""Sync now, the polled sync status, and choosing the bank-side account."""
from flask import Blueprint, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import sync_messages
from ..db import get_session
from ..forms import SelectRemoteForm
from ..services import accounts as accounts_svc
from ..services import sync_queue
from ..web_helpers import is_htmx, or_404, see_other
from . import account_rows

bp = Blueprint("sync", __name__, url_prefix="/accounts/<int:account_id>")


def _account(account_id: int):
    return or_404(accounts_svc.get_account(get_session(), current_user.office_id, account_id))


def _row_fragment(account):
    row = account_rows.build_one(get_session(), account)
    return render_template("home/_account_row.html", row=row)


@bp.post("/sync")
@login_required
def sync_now(account_id: int):
    account = _account(account_id)
    bank = current_app.extensions["bank_registry"].get(account.bank_code)
    try:
        run = sync_queue.request_sync_in_hours(get_session(), account, bank, trigger="user")
    except sync_queue.SyncRequestError:
        if is_htmx():
            return _row_fragment(account), 409
        flash(_("この口座は銀行と連携していません。"), "error")
        return see_other("home.index")
    if is_htmx():
        return _row_fragment(account)
    if run.error_code == "outside_hours" and run.next_attempt_at:
        flash(sync_messages.outside_hours(run.next_attempt_at), "warning")
    return see_other("home.index")


@bp.get("/status")
@login_required
def status(account_id: int):
    return _row_fragment(_account(account_id))


@bp.route("/select", methods=["GET", "POST"])
@login_required
def select_remote(account_id: int):
    session = get_session()
    account = _account(account_id)
    remotes = accounts_svc.selectable_remotes(session, account)
    form = SelectRemoteForm()
    form.remote_account.choices = [(r.id, r.remote_id) for r in remotes]
    if request.method == "POST" and form.validate_on_submit():
        try:
            accounts_svc.map_remote(session, account, form.remote_account.data)
        except accounts_svc.AccountError:
            form.remote_account.errors.append(_("選んだ口座は選択できません。"))
        else:
            if request.args.get("then") == "settings":
                # Walkthrough 2: the period (section 4) comes next; [口座を保存する] syncs.
                flash(_("口座を選択しました。取得期間を確認して[口座を保存する]を押してください。"),
                      "success")
                return see_other("settings.edit", account_id=account.id, _anchor="section-4")
            sync_queue.request_sync(session, account, trigger="user")
            flash(_("口座を選択しました。同期を再開します。"), "success")
            return see_other("home.index")
    status = 400 if form.errors else 200
    return render_template("accounts/select.html", account=account, remotes=remotes,
                           form=form), status


@bp.get("/log")
@login_required
def log(account_id: int):
    account = _account(account_id)
    runs = sync_queue.runs_for_account(get_session(), current_user.office_id, account.id)
    return render_template("accounts/sync_log.html", account=account, runs=runs,
                           bank_name=accounts_svc.bank_name(account.bank_code))
