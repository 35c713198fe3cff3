"""明細: the statement list of an account, and manual entry."""
from flask import Blueprint, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_session
from ..forms import ManualStatementForm, StatementFilterForm
from ..services import accounts as accounts_svc
from ..services import statements as statements_svc
from ..services.cutover import check as cutover_check
from ..web_helpers import or_404, see_other

bp = Blueprint("statements", __name__, url_prefix="/accounts/<int:account_id>")


def _account(account_id: int):
    return or_404(accounts_svc.get_account(get_session(), current_user.office_id, account_id))


@bp.get("/statements")
@login_required
def index(account_id: int):
    account = _account(account_id)
    form = StatementFilterForm(request.args)
    valid = form.validate()
    page = statements_svc.list_statements(
        get_session(), account, limit=current_app.config["STATEMENTS_PAGE_SIZE"],
        date_from=form.date_from.data if valid else None,
        date_to=form.date_to.data if valid else None,
        cursor=request.args.get("after"))
    count, total = statements_svc.totals(get_session(), account.id)
    # Whole-ledger checks read every row: once, on the first page, not on every page turn.
    first_page = not request.args.get("after")
    breaks = statements_svc.balance_breaks(get_session(), account) if first_page else []
    mismatches = cutover_check.day_mismatches(get_session(), account) if first_page else []
    return render_template("statements/index.html", account=account, form=form, page=page,
                           count=count, total=total, breaks=breaks, mismatches=mismatches,
                           bank_name=accounts_svc.bank_name(account.bank_code))


@bp.route("/statements/new", methods=["GET", "POST"])
@login_required
def new(account_id: int):
    account = _account(account_id)
    form = ManualStatementForm()
    if form.validate_on_submit():
        amount = form.deposit.data if form.deposit.data is not None else -form.withdrawal.data
        statements_svc.add_manual(get_session(), account, transaction_date=form.transaction_date.data,
                                  description=form.description.data, amount=amount,
                                  balance_after=form.balance_after.data)
        flash(_("取引を登録しました。"), "success")
        if request.form.get("again"):
            return see_other("statements.new", account_id=account.id)
        return see_other("statements.index", account_id=account.id)
    return render_template("statements/new.html", account=account, form=form,
                           bank_name=accounts_svc.bank_name(account.bank_code)), \
        400 if form.errors else 200
