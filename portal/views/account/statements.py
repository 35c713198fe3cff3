"""明細: the statement list of an account, and manual entry, correction and deletion."""
from flask import Blueprint, abort, current_app, flash, render_template, request
from flask_babel import gettext as _

from ...db import get_session
from ...forms import ConfirmForm, ManualStatementForm, StatementFilterForm
from ...services import manual_entries
from ...services import statements as statements_svc
from ...services.cutover import check as cutover_check
from ..http import or_404, see_other
from . import current_account

bp = Blueprint("statements", __name__)


@bp.get("/statements")
def index():
    db = get_session()
    account = current_account()
    form = StatementFilterForm(request.args)
    form.validate()
    date_from, date_to = form.dates()
    cursor = form.value("after")  # a wrong cursor is the first page
    page = statements_svc.list_statements(
        db, account, limit=current_app.config["STATEMENTS_PAGE_SIZE"],
        date_from=date_from, date_to=date_to, cursor=cursor)
    count, total = statements_svc.totals(db, account.id)
    # The chain's breaks and a switched account's overlap check: shown on the first page.
    first_page = cursor is None
    breaks = statements_svc.balance_breaks(db, account) if first_page else []
    mismatches = cutover_check.day_mismatches(db, account) if first_page else []
    return render_template("statements/index.html", form=form, page=page, count=count,
                           total=total, breaks=breaks, mismatches=mismatches,
                           editable=manual_entries.editable_ids(db, account, page.rows))


def _entry(form) -> manual_entries.Entry:
    amount = form.deposit.data if form.deposit.data is not None else -form.withdrawal.data
    return manual_entries.Entry(form.transaction_date.data, form.description.data, amount,
                                form.balance_after.data, form.memo.data or "")


@bp.route("/statements/new", methods=["GET", "POST"])
def new():
    account = current_account()
    form = ManualStatementForm()
    if form.validate_on_submit():
        manual_entries.add(get_session(), account, _entry(form))
        flash(_("取引を登録しました。"), "success")
        if request.form.get("again"):
            return see_other("account.statements.new", account_id=account.id)
        return see_other("account.statements.index", account_id=account.id)
    return render_template("statements/new.html", form=form), 400 if form.errors else 200


def _editable(statement_id: int):
    """A manual statement of this account that may be changed; 404 for anything else
    (another account's, or the bank's record: API, files, or linked to an API key)."""
    db, account = get_session(), current_account()
    statement = or_404(manual_entries.statement_of(db, account, statement_id))
    if not manual_entries.is_editable(db, account, statement):
        abort(404)
    return statement


@bp.route("/statements/<int:statement_id>/edit", methods=["GET", "POST"])
def edit(statement_id: int):
    account, statement = current_account(), _editable(statement_id)
    form = ManualStatementForm()
    if request.method == "GET":
        amount = statement.amount
        form = ManualStatementForm(formdata=None, data={
            "transaction_date": statement.transaction_date, "description": statement.description,
            "deposit": amount if amount > 0 else None, "withdrawal": -amount if amount <= 0 else None,
            # A carried balance is ours, not the user's: the field stays empty so it keeps following.
            "balance_after": None if statement.balance_derived else statement.balance_after,
            "memo": statement.memo})
    elif form.validate_on_submit():
        manual_entries.edit(get_session(), account, statement, _entry(form))
        flash(_("取引を修正しました。"), "success")
        return see_other("account.statements.index", account_id=account.id)
    return render_template("statements/new.html", form=form, statement=statement), \
        400 if form.errors else 200


@bp.route("/statements/<int:statement_id>/delete", methods=["GET", "POST"])
def delete(statement_id: int):
    account, statement = current_account(), _editable(statement_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        manual_entries.delete(get_session(), account, statement)
        flash(_("取引を削除しました。"), "success")
        return see_other("account.statements.index", account_id=account.id)
    return render_template("statements/delete.html", statement=statement, form=form)
