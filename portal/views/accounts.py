"""口座の一覧・登録: the list, the bank picker and the kind picker (one account's pages are in
views.account)."""
from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from ..banks import catalog
from ..db import get_session
from ..forms import BankSearchForm, RegisterAccountForm
from ..models.vocabulary import AuditAction
from ..services import account_rows, audit
from ..services import accounts as accounts_svc
from .acting import actor
from .http import is_htmx, or_404, see_other

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


@bp.get("/")
@login_required
def index():
    db = get_session()
    rows = account_rows.build(db, current_app.extensions["bank_registry"],
                              accounts_svc.list_accounts(db, current_user.office_id))
    return render_template("accounts/index.html", rows=rows)


@bp.get("/new")
@login_required
def new():
    search = BankSearchForm(request.args)
    search.validate()
    q = search.value("q")
    results = catalog.search(q, limit=30) if q else []
    api_codes = set(current_app.extensions["bank_registry"].codes())
    if is_htmx() and request.headers.get("HX-Target") == "bank-results":
        return render_template("accounts/_bank_results.html", q=q, results=results,
                               api_codes=api_codes)
    featured = [catalog.get(c) for c in sorted(api_codes) if catalog.get(c)]
    return render_template("accounts/new.html", q=q, results=results, api_codes=api_codes,
                           featured=featured)


@bp.route("/new/<bank_code>", methods=["GET", "POST"])
@login_required
def choose_kind(bank_code: str):
    entry = or_404(catalog.get(bank_code))
    registry = current_app.extensions["bank_registry"]
    kinds = accounts_svc.kinds_for_bank(registry, bank_code)
    form = RegisterAccountForm()
    form.kind.choices = [(k.key, k.label) for k in kinds]
    if form.validate_on_submit():
        db = get_session()
        account = accounts_svc.register_account(
            db, registry, office_id=current_user.office_id, bank_code=bank_code,
            kind_key=form.kind.data, name=form.name.data)
        # register_account commits the account; its audit entry is committed right after.
        audit.record(db, account.office_id, actor(), AuditAction.ACCOUNT_LINKED,
                     target=f"{account.name} ({accounts_svc.bank_name(bank_code)})",
                     detail=f"method: {account.sync_method}")
        db.commit()
        return see_other("account.consent.registered", account_id=account.id)
    return render_template("accounts/choose_kind.html", entry=entry, kinds=kinds, form=form,
                           bank=registry.get(bank_code),
                           bank_name=accounts_svc.bank_name(bank_code)), 400 if form.errors else 200
