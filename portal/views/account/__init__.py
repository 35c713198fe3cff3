"""Everything under /accounts/<id>: one parent blueprint that signs in, loads the account of
the current office (404 for any other), and gives every page what it shows of the account.

A route written in a child blueprint here cannot forget the office: the account it sees is
`g.account`, loaded before the view runs."""
from flask import Blueprint, g
from flask_login import current_user

from ...db import get_session
from ...extensions import login_manager
from ...services import accounts as accounts_svc
from ..http import or_404

bp = Blueprint("account", __name__, url_prefix="/accounts/<int:account_id>")


@bp.url_value_preprocessor
def _take_account_id(_endpoint, values):
    g.account_id = values.pop("account_id")


def current_account():
    """The account of this URL, scoped to the signed-in user's office (404 otherwise)."""
    if "account" not in g:
        g.account = or_404(accounts_svc.get_account(get_session(), current_user.office_id,
                                                    g.account_id))
    return g.account


@bp.before_request
def _load_account():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    current_account()
    return None


@bp.context_processor
def _account_context():
    account = g.get("account")
    if account is None:
        return {}
    return {"account": account, "bank_name": accounts_svc.bank_name(account.bank_code)}


# The children import current_account from here, so they are attached once it exists.
from . import (  # noqa: E402
    consent,
    cutover,
    files,
    imports,
    memo,
    removal,
    settings,
    statements,
    sync,
)

for _child in (consent, sync, statements, memo, settings, files, imports, cutover, removal):
    bp.register_blueprint(_child.bp)
