"""APIトークン: the current office's API tokens, made by owners and admins. A new token is
shown once, on the page that answers its form (never stored, never in a URL); revoking asks
first on a confirmation page."""
from datetime import datetime, time, timedelta

from flask import Blueprint, abort, flash, render_template
from flask_babel import gettext as _
from flask_login import current_user

from ...api import tokens
from ...api.scopes import Scope
from ...dates import JST
from ...db import get_session
from ...forms import ConfirmForm
from ...forms_api import SCOPE_LABELS, ApiTokenForm
from ..acting import actor
from ..http import see_other

bp = Blueprint("api_tokens", __name__)


def _page(form: ApiTokenForm, status: int = 200):
    rows = tokens.list_tokens(get_session(), current_user.office_id)
    return render_template("office/api_tokens.html", form=form, rows=rows, live=tokens.is_live,
                           scope_labels=SCOPE_LABELS), status


def _end_of(day) -> datetime:
    """A token given a last day works until that day ends in Japan."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=JST)


@bp.get("/api-tokens")
def index():
    return _page(ApiTokenForm(formdata=None))


@bp.post("/api-tokens")
def create():
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    expires = _end_of(form.expires_on.data) if form.expires_on.data else None
    token, row = tokens.create(get_session(), current_user.office_id,
                               actor(), name=form.name.data,
                               scopes=[Scope(s) for s in form.scopes.data], expires_at=expires)
    body = render_template("office/api_token_created.html", token=token, row=row,
                           scope_labels=SCOPE_LABELS)
    return body, 201, {"Cache-Control": "no-store"}  # the page holds the token


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["GET", "POST"])
def revoke(token_id: int):
    session = get_session()
    row = tokens.get(session, current_user.office_id, token_id)
    if row is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        tokens.revoke(session, current_user.office_id, token_id,
                      actor())
        flash(_("APIトークン「%(name)s」を無効にしました。", name=row.name), "success")
        return see_other("office.api_tokens.index")
    return render_template("office/api_token_revoke.html", row=row, form=form,
                           scope_labels=SCOPE_LABELS)
