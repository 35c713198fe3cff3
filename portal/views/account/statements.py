"""明細: the statement list of an account, and manual entry."""
from flask import Blueprint, current_app, flash, render_template, request
from flask_babel import gettext as _

from ...db import get_session
from ...forms import ManualStatementForm, StatementFilterForm
from ...services import statements as statements_svc
from ...services.cutover import check as cutover_check
from ..http import see_other
from . import current_account

bp = Blueprint("statements", __name__)


@bp.get("/statements")
def index():
    db = get_session()
    account = current_account()
    form = StatementFilterForm(request.args)
    valid = form.validate()
    page = statements_svc.list_statements(
        db, account, limit=current_app.config["STATEMENTS_PAGE_SIZE"],
        date_from=form.date_from.data if valid else None,
        date_to=form.date_to.data if valid else None,
        cursor=request.args.get("after"))
    count, total = statements_svc.totals(db, account.id)
    # Whole-ledger checks read every row: once, on the first page, not on every page turn.
    first_page = not request.args.get("after")
    breaks = statements_svc.balance_breaks(db, account) if first_page else []
    mismatches = cutover_check.day_mismatches(db, account) if first_page else []
    return render_template("statements/index.html", form=form, page=page, count=count,
                           total=total, breaks=breaks, mismatches=mismatches)


@bp.route("/statements/new", methods=["GET", "POST"])
def new():
    account = current_account()
    form = ManualStatementForm()
    if form.validate_on_submit():
        amount = form.deposit.data if form.deposit.data is not None else -form.withdrawal.data
        statements_svc.add_manual(get_session(), account, transaction_date=form.transaction_date.data,
                                  description=form.description.data, amount=amount,
                                  balance_after=form.balance_after.data)
        flash(_("取引を登録しました。"), "success")
        if request.form.get("again"):
            return see_other("account.statements.new", account_id=account.id)
        return see_other("account.statements.index", account_id=account.id)
    return render_template("statements/new.html", form=form), 400 if form.errors else 200
