"""A statement's memo: edited in place with htmx, or on a page of its own without JavaScript.

One URL: GET gives the form (the fragment for htmx, else a page; ?show=1 the memo as shown
in the list, for htmx's cancel), POST saves it (the fragment again for htmx, else 303 back
to the list). Every statement's memo is editable, whatever its source: it is the user's."""
from flask import Blueprint, flash, make_response, render_template, request
from flask_babel import gettext as _

from ...db import get_session
from ...forms import MemoForm, page_options
from ...services import manual_entries
from ..http import is_htmx, or_404, see_other
from . import current_account

bp = Blueprint("memo", __name__)


def _form(statement, **kwargs) -> MemoForm:
    # One form per statement: field names and ids stay unique on a list of many rows.
    return MemoForm(prefix=f"statement-{statement.id}", **kwargs)


def _fragment(statement, form, editing: bool, status: int = 200):
    resp = make_response(render_template("statements/_memo.html", s=statement, memo_form=form,
                                         editing=editing), status)
    resp.vary.add("HX-Request")
    return resp


@bp.route("/statements/<int:statement_id>/memo", methods=["GET", "POST"])
def edit(statement_id: int):
    account = current_account()
    statement = or_404(manual_entries.statement_of(get_session(), account, statement_id))
    if request.method == "GET":
        form = _form(statement, formdata=None, data={"memo": statement.memo})
        if is_htmx():
            return _fragment(statement, form, editing=page_options(request.args).value("show") != "1")
        resp = make_response(render_template("statements/memo.html", s=statement, memo_form=form))
        resp.vary.add("HX-Request")
        return resp
    form = _form(statement)
    if not form.validate_on_submit():
        if is_htmx():  # base.html's htmx config swaps a 400's fragment in
            return _fragment(statement, form, editing=True, status=400)
        return render_template("statements/memo.html", s=statement, memo_form=form), 400
    manual_entries.set_memo(get_session(), account, statement, form.memo.data)
    if is_htmx():
        return _fragment(statement, form, editing=False)
    flash(_("メモを保存しました。"), "success")
    return see_other("account.statements.index", account_id=account.id,
                     _anchor=f"statement-{statement.id}")
