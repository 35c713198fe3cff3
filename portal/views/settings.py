"""口座設定 (numbered sections) and トラブルシューティング (link the consent's other accounts)."""
from flask import Blueprint, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_session
from ..forms import AccountSettingsForm, SharedLoginForm
from ..models import BankConnection, RemoteAccount
from ..services import accounts as accounts_svc
from ..services import connections, sharing, sync_queue
from ..services.sync_run import earliest_available
from ..web_helpers import is_htmx, or_404, see_other

bp = Blueprint("settings", __name__, url_prefix="/accounts/<int:account_id>")


def _account(account_id: int):
    return or_404(accounts_svc.get_account(get_session(), current_user.office_id, account_id))


def _context(account):
    session = get_session()
    bank = current_app.extensions["bank_registry"].get(account.bank_code)
    conn = session.get(BankConnection, account.connection_id) if account.connection_id else None
    login_form = SharedLoginForm()
    logins = sharing.shared_logins(session, account) if bank else []
    login_form.source_account.choices = [(s.account.id, s.account.name) for s in logins]
    return {"account": account, "bank": bank, "connection": conn, "logins": logins,
            "login_form": login_form, "bank_name": accounts_svc.bank_name(account.bank_code),
            "earliest": earliest_available(account, bank, type_code=_remote_type(account)) if bank else None,
            "show_picker": request.args.get("pick") == "1"}


def _remote_type(account) -> str | None:
    if account.remote_account_id is None:
        return None
    return get_session().get(RemoteAccount, account.remote_account_id).account_type_code


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def edit(account_id: int):
    session = get_session()
    account = _account(account_id)
    form = AccountSettingsForm(obj=account if request.method == "GET" else None)
    ctx = _context(account)
    if form.validate_on_submit():
        start = form.period_start.data
        if start and ctx["earliest"] and start < ctx["earliest"]:
            form.period_start.errors.append(
                _("この銀行から取得できるのは%(d)s以降の明細です。", d=ctx["earliest"].strftime("%Y/%m/%d")))
        else:
            account.name = form.name.data.strip()
            account.period_start = start
            session.commit()
            if account.sync_method == "api" and account.remote_account_id:
                sync_queue.request_sync(session, account, trigger="user")
                flash(_("口座を保存しました。同期を開始します。"), "success")
            else:
                flash(_("口座を保存しました。"), "success")
            return see_other("home.index")
    return render_template("accounts/settings.html", form=form, **ctx), 400 if form.errors else 200


@bp.get("/settings/logins")
@login_required
def logins(account_id: int):
    ctx = _context(_account(account_id))
    if is_htmx():
        return render_template("accounts/_login_picker.html", **ctx)
    return see_other("settings.edit", account_id=account_id, pick=1, _anchor="section-3")


@bp.post("/settings/login")
@login_required
def use_login(account_id: int):
    session = get_session()
    account = _account(account_id)
    ctx = _context(account)
    form = ctx["login_form"]
    if not form.validate_on_submit():
        flash(_("ログイン情報を利用する口座を選んでください。"), "error")
        return see_other("settings.edit", account_id=account.id, pick=1, _anchor="section-3")
    try:
        remaining = sharing.use_login_of(session, account, form.source_account.data)
    except sharing.SharingError:
        flash(_("その口座のログイン情報は利用できません。"), "error")
        return see_other("settings.edit", account_id=account.id, pick=1, _anchor="section-3")
    if remaining:
        flash(_("同期する口座を選んでください。"), "success")
        return see_other("sync.select_remote", account_id=account.id, then="settings")
    flash(_("ログイン情報を設定しました。取得期間を確認して[口座を保存する]を押してください。"), "success")
    return see_other("settings.edit", account_id=account.id, _anchor="section-4")


@bp.route("/troubleshooting", methods=["GET", "POST"])
@login_required
def troubleshooting(account_id: int):
    session = get_session()
    account = _account(account_id)
    remotes = sharing.remotes_of(session, account)
    mapped = sharing.mapped_remote_ids(session, current_user.office_id)
    if request.method == "POST":
        try:
            ids = [int(x) for x in request.form.getlist("remote")]
            linked = sharing.link_remotes(session, account, ids)
        except (ValueError, sharing.SharingError):
            flash(_("選んだ口座は保存できません。"), "error")
        else:
            flash(_("%(n)s件の口座を紐付けました。他の口座の[口座設定]で、このログイン情報を利用できます。",
                    n=linked), "success")
            return see_other("home.index")
    return render_template("accounts/troubleshooting.html", account=account, remotes=remotes,
                           mapped=mapped, bank_name=accounts_svc.bank_name(account.bank_code))


@bp.post("/disconnect")
@login_required
def disconnect(account_id: int):
    session = get_session()
    account = _account(account_id)
    conn = session.get(BankConnection, account.connection_id) if account.connection_id else None
    if conn is None or conn.state == "revoked":
        flash(_("この口座は銀行と連携していません。"), "error")
        return see_other("settings.edit", account_id=account.id)
    bank = current_app.extensions["bank_registry"].get(account.bank_code)
    connections.disconnect(session, current_app.extensions["token_cipher"], bank, conn)
    flash(_("連携を解除しました。取得済みの明細はそのまま残ります。"), "success")
    return see_other("home.index")
