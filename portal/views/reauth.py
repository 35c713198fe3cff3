"""再認証: every consent expiring or expired, bank by bank, walked through in one go."""
from flask import Blueprint, render_template
from flask import session as cookie_session
from flask_login import current_user, login_required

from ..db import get_session
from ..services import accounts as accounts_svc
from ..services import reauth
from .oauth_callback import REAUTH_QUEUE_KEY

bp = Blueprint("reauth", __name__, url_prefix="/reauth")


@bp.get("/")
@login_required
def index():
    items = reauth.expiring(get_session(), current_user.office_id)
    cookie_session[REAUTH_QUEUE_KEY] = [i.connection.id for i in items]
    return render_template("reauth/index.html", items=items, bank_name=accounts_svc.bank_name)
