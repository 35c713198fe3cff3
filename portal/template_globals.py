"""Every name templates may call beyond Flask's and Babel's, registered in one place."""
from flask import g, request, url_for
from flask_login import current_user

from . import labels
from .db import get_session
from .models import vocabulary
from .permissions import Open, need_of, role_can
from .services import office_overview
from .services.cutover import reviews


def open_review_count(account) -> int:
    """Open reviews of an account; one query per request for the whole office."""
    if "open_review_counts" not in g:
        g.open_review_counts = reviews.open_counts(get_session(), current_user.office_id)
    return g.open_review_counts.get(account.id, 0)


def my_offices() -> list[tuple[int, str, vocabulary.Role]]:
    """The signed-in user's offices for the switcher: one query, made when base.html renders
    (htmx partials do not extend it)."""
    if "my_offices" not in g:
        g.my_offices = office_overview.offices_of(get_session(), current_user.id)
    return g.my_offices


def switch_target(role: vocabulary.Role) -> str:
    """Where the switcher lands in another office: this page when every office has it (a GET
    without ids in its URL) and the role there may see it, else the home page."""
    need = need_of(request.endpoint)
    if (request.method == "GET" and not request.view_args and need is not None
            and (isinstance(need, Open) or role_can(role, need))):
        return request.path
    return url_for("home.index")


def init_app(app) -> None:
    app.jinja_env.globals.update(
        label=labels.label,
        sync_error_text=labels.sync_error,
        reauth_reason=labels.reauth_reason,
        outside_hours_text=labels.outside_hours,
        encoding_label=labels.encoding,
        former_bank_name=labels.former_bank_name,
        kind_choice_label=labels.kind_choice,
        statement_message=labels.message,
        file_layout=labels.layout,
        cutover_reason=labels.cutover_reason,
        open_review_count=open_review_count,
        my_offices=my_offices,
        switch_target=switch_target,
        SyncMethod=vocabulary.SyncMethod,
        SyncState=vocabulary.SyncState,
        ConnectionState=vocabulary.ConnectionState,
    )
