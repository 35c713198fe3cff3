"""Home: the office's accounts with balance, last sync and state."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..db import get_session
from ..services import accounts as accounts_svc
from ..services import reauth
from . import account_rows

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    session = get_session()
    accounts = accounts_svc.list_accounts(session, current_user.office_id)
    rows = account_rows.build(session, accounts)
    expiring = reauth.expiring(session, current_user.office_id)
    return render_template("home/index.html", rows=rows, expiring=expiring)
