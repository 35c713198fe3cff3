"""従来の方法 → API連携方式: the switch, and the review queue of rows the matching left to the user."""
from flask import Blueprint, abort, current_app, flash, g, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_session
from ..forms_files import ReviewActionForm, SwitchForm
from ..services import accounts as accounts_svc
from ..services.cutover import reviews
from ..services.cutover import switch as cutover_switch
from ..web_helpers import or_404, see_other
from .file_support import messages_text

bp = Blueprint("cutover", __name__, url_prefix="/accounts/<int:account_id>")


def _account(account_id: int):
    return or_404(accounts_svc.get_account(get_session(), current_user.office_id, account_id))


@bp.app_template_global()
def open_review_count(account) -> int:
    """Open reviews of an account; one query per request for the whole office."""
    if "open_review_counts" not in g:
        g.open_review_counts = reviews.open_counts(get_session(), current_user.office_id)
    return g.open_review_counts.get(account.id, 0)


@bp.app_template_global()
def cutover_reason(parts) -> str:
    """Why a candidate was offered (金額一致・日付差1日・…) in the user's language."""
    return messages_text(parts, _("・"))


@bp.route("/switch", methods=["GET", "POST"])
@login_required
def switch(account_id: int):
    session = get_session()
    account = _account(account_id)
    registry = current_app.extensions["bank_registry"]
    if not cutover_switch.can_switch(account, registry):
        flash(_("この口座はAPI連携方式に切り替えられません。"), "error")
        return see_other("statements.index", account_id=account.id)
    form = SwitchForm()
    if form.validate_on_submit():
        cutover_switch.begin_switch(session, account, registry)
        return see_other("connect.start", account_id=account.id)
    first, last, count = cutover_switch.file_history(session, account.id)
    plan = cutover_switch.plan(session, account, registry.get(account.bank_code))
    return render_template("cutover/switch.html", account=account, form=form, plan=plan,
                           first=first, last=last, count=count,
                           bank_name=accounts_svc.bank_name(account.bank_code))


@bp.get("/review")
@login_required
def review(account_id: int):
    account = _account(account_id)
    items = reviews.open_reviews(get_session(), account)
    return render_template("cutover/review.html", account=account, items=items,
                           form=ReviewActionForm(formdata=None),
                           bank_name=accounts_svc.bank_name(account.bank_code))


@bp.post("/review/<int:review_id>")
@login_required
def resolve(account_id: int, review_id: int):
    account = _account(account_id)
    form = ReviewActionForm()
    if not form.validate_on_submit():
        flash(_("操作を選んでください。"), "error")
        return see_other("cutover.review", account_id=account.id)
    try:
        state = reviews.resolve(get_session(), account, review_id, form.action.data, form.candidate.data)
    except reviews.ReviewError as exc:
        if exc.code == "not_found":
            abort(404)
        flash(_("この明細はすでに処理済みか、選んだ明細とは紐付けられません。"), "error")
        return see_other("cutover.review", account_id=account.id)
    if state == "linked":
        flash(_("既存の明細と紐付けました。"), "success")
    elif state == "added":
        flash(_("新しい明細として追加しました。"), "success")
    else:
        flash(_("この明細を無視しました。次回の同期でも追加されません。"), "success")
    return see_other("cutover.review", account_id=account.id)
