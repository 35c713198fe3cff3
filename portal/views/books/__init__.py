"""Everything under /books (記帳): one parent blueprint that signs in, scopes to the current
office and sends an office that has not started bookkeeping to the start page.

A route written in a child blueprint here cannot forget the office: it reads g.office_id,
set before the view runs, and passes it to the services (which filter every query by it)."""
from flask import Blueprint, current_app, g, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import NotFound as HTTPNotFound

from ...db import get_session
from ...extensions import login_manager
from ...services.books import masters
from ...services.books.common import NotFound
from ..http import is_htmx

bp = Blueprint("books", __name__, url_prefix="/books")

# Reachable before the office has chosen its business form (法人 / 個人事業主).
_OPEN_BEFORE_SETUP = {"books.start.form", "books.start.begin"}


@bp.before_request
def _scope_to_office():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    g.office_id = current_user.office_id
    if request.endpoint in _OPEN_BEFORE_SETUP:
        return None
    if masters.setup_of(get_session(), g.office_id) is None:
        target = url_for("books.start.form")
        if is_htmx():
            return "", 401, {"HX-Redirect": target}
        return redirect(target, code=303)
    return None


@bp.errorhandler(NotFound)
def _not_found(_exc):
    """A service's NotFound (no such row in this office, e.g. another office's id) is the
    app's 404, in every child blueprint (Flask asks the parents' handlers too)."""
    return current_app.handle_http_exception(HTTPNotFound())


# The children import bp's helpers from here, so they are attached once it exists.
from . import entries, exports, inbox, masters_pages, reconcile, rules, start  # noqa: E402

for _child in (start, inbox, rules, masters_pages, entries, exports, reconcile):
    bp.register_blueprint(_child.bp)
