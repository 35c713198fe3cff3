"""従来の方法 → API連携方式: the switch, and the review queue of rows the matching left to the user."""
from flask import Blueprint, abort, current_app, flash, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...db import get_session
from ...forms_files import ReviewActionForm, SwitchForm
from ...models import ReviewState
from ...services.cutover import reviews
from ...services.cutover import switch as cutover_switch
from ..http import see_other
from . import current_account

bp = Blueprint("cutover", __name__)

RESOLVED = {
    ReviewState.LINKED: _l("既存の明細と紐付けました。"),
    ReviewState.ADDED: _l("新しい明細として追加しました。"),
    ReviewState.IGNORED: _l("この明細を無視しました。次回の同期でも追加されません。"),
}


@bp.route("/switch", methods=["GET", "POST"])
def switch():
    db = get_session()
    account = current_account()
    registry = current_app.extensions["bank_registry"]
    if not cutover_switch.can_switch(account, registry):
        flash(_("この口座はAPI連携方式に切り替えられません。"), "error")
        return see_other("account.statements.index", account_id=account.id)
    form = SwitchForm()
    if form.validate_on_submit():
        cutover_switch.begin_switch(db, account, registry)
        return see_other("account.consent.start", account_id=account.id)
    first, last, count = cutover_switch.file_history(db, account.id)
    plan = cutover_switch.plan(db, account, registry.get(account.bank_code))
    return render_template("cutover/switch.html", form=form, plan=plan, first=first, last=last,
                           count=count)


@bp.get("/review")
def review():
    items = reviews.open_reviews(get_session(), current_account())
    return render_template("cutover/review.html", items=items, form=ReviewActionForm(formdata=None))


@bp.post("/review/<int:review_id>")
def resolve(review_id: int):
    account = current_account()
    form = ReviewActionForm()
    if not form.validate_on_submit():
        flash(_("操作を選んでください。"), "error")
        return see_other("account.cutover.review", account_id=account.id)
    try:
        state = reviews.resolve(get_session(), account, review_id, form.action.data, form.candidate.data)
    except reviews.ReviewError as exc:
        if exc.code == "not_found":
            abort(404)
        flash(_("この明細はすでに処理済みか、選んだ明細とは紐付けられません。"), "error")
        return see_other("account.cutover.review", account_id=account.id)
    flash(str(RESOLVED[state]), "success")
    return see_other("account.cutover.review", account_id=account.id)
