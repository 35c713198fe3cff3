"""取り込みの履歴: the account's imports, and [取り込みを取り消す] behind a confirmation page."""
from flask import Blueprint, flash, render_template, request
from flask_babel import ngettext

from ... import labels
from ...db import get_session
from ...forms import ConfirmForm
from ...services import imports as imports_svc
from ..http import or_404, see_other
from . import current_account

bp = Blueprint("imports", __name__)


@bp.get("/imports")
def index():
    account = current_account()
    return render_template("imports/index.html",
                           imports=imports_svc.list_imports(get_session(), account))


@bp.route("/imports/<int:import_id>/undo", methods=["GET", "POST"])
def undo(import_id: int):
    db, account = get_session(), current_account()
    batch = or_404(imports_svc.import_of(db, account, import_id))
    form = ConfirmForm()
    try:
        if request.method == "POST" and form.validate_on_submit():
            removed = imports_svc.undo(db, account, batch)
            flash(ngettext("取り込みを取り消しました。%(num)d件の明細を削除しました。",
                           "取り込みを取り消しました。%(num)d件の明細を削除しました。", removed), "success")
            return see_other("account.imports.index", account_id=account.id)
        count = imports_svc.check_undo(db, account, batch)
    except imports_svc.UndoRefused as exc:
        flash(labels.undo_refused(exc), "error")
        return see_other("account.imports.index", account_id=account.id)
    return render_template("imports/undo.html", batch=batch, count=count, form=form)
