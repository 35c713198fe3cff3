"""口座設定 (numbered sections) and トラブルシューティング (link the consent's other accounts)."""
from flask import Blueprint, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext

from ...db import get_session
from ...forms import AccountSettingsForm, SharedLoginForm, page_options
from ...ledger.running_balance import Opening
from ...models.vocabulary import AuditAction
from ...services import account_settings, audit, sharing
from ...services import accounts as accounts_svc
from ..acting import actor
from ..http import is_htmx, see_other
from . import current_account

bp = Blueprint("settings", __name__)


def _bank(account):
    return current_app.extensions["bank_registry"].get(account.bank_code)


def _context(account):
    db = get_session()
    bank = _bank(account)
    login_form = SharedLoginForm()
    logins = sharing.shared_logins(db, account) if bank else []
    login_form.source_account.choices = [(s.account.id, s.account.name) for s in logins]
    return {"bank": bank, "connection": accounts_svc.connection_of(db, account),
            "logins": logins, "login_form": login_form,
            "earliest": account_settings.period_floor(db, account, bank),
            "show_picker": page_options(request.args).value("pick") == "1"}


def _opening(form) -> Opening | None:
    if form.opening_balance.data is None:
        return None  # the form checked that the balance and its date come together
    return Opening(form.opening_balance.data, form.opening_balance_date.data)


@bp.route("/settings", methods=["GET", "POST"])
def edit():
    account = current_account()
    form = AccountSettingsForm(obj=account if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            saved = account_settings.save(get_session(), account, _bank(account),
                                          name=form.name.data, period_start=form.period_start.data,
                                          opening=_opening(form))
        except account_settings.PeriodTooEarly as exc:
            form.period_start.errors.append(
                _("この銀行から取得できるのは%(d)s以降の明細です。", d=exc.earliest.strftime("%Y/%m/%d")))
        except account_settings.PeriodInFuture:
            form.period_start.errors.append(_("取得開始日には今日以前の日付を入力してください。"))
        else:
            if saved == account_settings.Saved.NEEDS_SELECTION:
                flash(_("口座を保存しました。同期する口座がまだ選ばれていません。[口座を選択してください]から選んでください。"),  # noqa: E501
                      "warning")
            elif saved == account_settings.Saved.SYNCING:
                flash(_("口座を保存しました。同期を開始します。"), "success")
            else:
                flash(_("口座を保存しました。"), "success")
            return see_other("home.index")
    return render_template("accounts/settings.html", form=form, **_context(account)), \
        400 if form.errors else 200


@bp.get("/settings/logins")
def logins():
    account = current_account()
    if is_htmx():
        return render_template("accounts/_login_picker.html", **_context(account))
    return see_other("account.settings.edit", account_id=account.id, pick=1, _anchor="section-3")


@bp.post("/settings/login")
def use_login():
    account = current_account()
    form = _context(account)["login_form"]
    if not form.validate_on_submit():
        flash(_("ログイン情報を利用する口座を選んでください。"), "error")
        return see_other("account.settings.edit", account_id=account.id, pick=1, _anchor="section-3")
    try:
        remaining = sharing.use_login_of(get_session(), account, form.source_account.data)
    except sharing.SharingError:
        flash(_("その口座のログイン情報は利用できません。"), "error")
        return see_other("account.settings.edit", account_id=account.id, pick=1, _anchor="section-3")
    if remaining:
        flash(_("同期する口座を選んでください。"), "success")
        return see_other("account.sync.select_remote", account_id=account.id, then="settings")
    flash(_("ログイン情報を設定しました。取得期間を確認して[口座を保存する]を押してください。"), "success")
    return see_other("account.settings.edit", account_id=account.id, _anchor="section-4")


@bp.route("/troubleshooting", methods=["GET", "POST"])
def troubleshooting():
    db = get_session()
    account = current_account()
    remotes = sharing.remotes_of(db, account)
    mapped = sharing.mapped_remote_ids(db, account.office_id)
    if request.method == "POST":
        try:
            ids = [int(x) for x in request.form.getlist("remote")]
            linked = sharing.link_remotes(db, account, ids)
        except (ValueError, sharing.SharingError):
            flash(_("選んだ口座は保存できません。"), "error")
        else:
            flash(ngettext("%(num)d件の口座を紐付けました。他の口座の[口座設定]で、このログイン情報を利用できます。",
                           "%(num)d件の口座を紐付けました。他の口座の[口座設定]で、このログイン情報を利用できます。",
                           linked), "success")
            return see_other("home.index")
    return render_template("accounts/troubleshooting.html", remotes=remotes, mapped=mapped,
                           connection=accounts_svc.connection_of(db, account))


@bp.route("/disconnect", methods=["GET", "POST"])
def disconnect():
    account = current_account()
    if request.method == "GET":
        # Asks first, naming every account whose sync stops with this consent.
        try:
            affected = account_settings.sharing_the_login(get_session(), account)
        except account_settings.NotLinked:
            flash(_("この口座は銀行と連携していません。"), "error")
            return see_other("account.settings.edit", account_id=account.id)
        return render_template("accounts/disconnect.html", affected=affected)
    try:
        account_settings.disconnect(get_session(), current_app.extensions["token_cipher"],
                                    _bank(account), account)
    except account_settings.NotLinked:
        flash(_("この口座は銀行と連携していません。"), "error")
        return see_other("account.settings.edit", account_id=account.id)
    # disconnect() commits; its audit entry is committed right after.
    audit.record(get_session(), account.office_id, actor(), AuditAction.CONSENT_ENDED,
                 target=f"{account.name} ({accounts_svc.bank_name(account.bank_code)})")
    get_session().commit()
    flash(_("連携を解除しました。取得済みの明細はそのまま残ります。"), "success")
    return see_other("home.index")
