"""Sync now, the polled sync status, choosing the bank-side account, and the sync log."""
from flask import Blueprint, current_app, flash, render_template, request
from flask_babel import gettext as _

from ... import labels
from ...db import get_session
from ...forms import SelectRemoteForm, page_options
from ...models import SyncTrigger
from ...services import account_rows, sync_queue, sync_status
from ...services import accounts as accounts_svc
from ..http import is_htmx, see_other
from . import current_account

bp = Blueprint("sync", __name__)


def _row_fragment(account, refused: str | None = None):
    """The account's row; `refused` names why [今すぐ同期] was refused, shown in the row."""
    row = account_rows.build_one(get_session(), current_app.extensions["bank_registry"], account)
    return render_template("home/_account_row.html", row=row, refused=refused)


def _sync_answer(account, refused: str | None = None):
    """[今すぐ同期]'s row, with the page's poll (out of band): started when the row now syncs."""
    db = get_session()
    row = account_rows.build_one(db, current_app.extensions["bank_registry"], account)
    now = sync_status.live(db, account.office_id)
    every = sync_status.interval(now) or account_rows.poll_interval([row])
    return render_template("home/_sync_row.html", row=row, refused=refused, poll_every=every,
                           poll_tokens=sync_status.tokens(now))


@bp.post("/sync")
def sync_now():
    account = current_account()
    bank = current_app.extensions["bank_registry"].get(account.bank_code)
    try:
        run = sync_queue.request_sync_in_hours(get_session(), account, bank, trigger=SyncTrigger.USER)
    except sync_queue.SyncRequestError as exc:
        if is_htmx():  # base.html's htmx config swaps a 409's fragment in
            return _sync_answer(account, refused=str(exc)), 409
        flash(_("この口座は銀行と連携していません。"), "error")
        return see_other("home.index")
    if is_htmx():
        return _sync_answer(account)
    if run.error_code in ("outside_hours", "maintenance") and run.next_attempt_at:
        flash(labels.outside_hours(run.next_attempt_at, run.error_code), "warning")
    return see_other("home.index")


@bp.get("/status")
def status():
    """One row on its own (the page polls through home.sync_status for all its rows)."""
    return _row_fragment(current_account())


@bp.route("/select", methods=["GET", "POST"])
def select_remote():
    db = get_session()
    account = current_account()
    remotes = accounts_svc.selectable_remotes(db, account)
    form = SelectRemoteForm()
    form.remote_account.choices = [(r.id, r.remote_id) for r in remotes]
    if request.method == "POST" and form.validate_on_submit():
        try:
            accounts_svc.map_remote(db, account, form.remote_account.data)
        except accounts_svc.AccountError:
            form.remote_account.errors.append(_("選んだ口座は選択できません。"))
        else:
            if page_options(request.args).value("then") == "settings":
                # Walkthrough 2: the period (section 4) comes next; [口座を保存する] syncs.
                flash(_("口座を選択しました。取得期間を確認して[口座を保存する]を押してください。"),
                      "success")
                return see_other("account.settings.edit", account_id=account.id, _anchor="section-4")
            sync_queue.request_sync(db, account, trigger=SyncTrigger.USER)
            flash(_("口座を選択しました。同期を再開します。"), "success")
            return see_other("home.index")
    return render_template("accounts/select.html", remotes=remotes, form=form), \
        400 if form.errors else 200


@bp.get("/log")
def log():
    account = current_account()
    runs = sync_queue.runs_for_account(get_session(), account.office_id, account.id)
    return render_template("accounts/sync_log.html", runs=runs)
