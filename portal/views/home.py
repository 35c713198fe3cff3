"""Home: the office's accounts with balance, last sync and state."""
from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from ..db import get_session
from ..services import account_rows, reauth
from ..services import accounts as accounts_svc

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    db = get_session()
    accounts = accounts_svc.list_accounts(db, current_user.office_id)
    rows = account_rows.build(db, current_app.extensions["bank_registry"], accounts)
    return render_template("home/index.html", rows=rows, expiring=reauth.expiring(db, current_user.office_id))
