"""Small helpers the views share: the current office, htmx-aware redirects, 404 scoping."""
from dataclasses import dataclass

from flask import abort, redirect, request, url_for
from flask_login import UserMixin, current_user
from werkzeug.routing import IntegerConverter

from .db import get_session
from .extensions import login_manager


@dataclass
class SessionUser(UserMixin):
    id: int
    email: str
    office_id: int
    locale: str | None


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def office_id() -> int:
    return current_user.office_id


def see_other(endpoint: str, **values):
    return redirect(url_for(endpoint, **values), code=303)


def or_404(obj):
    if obj is None:
        abort(404)
    return obj


class DatabaseInt(IntegerConverter):
    """An <int:...> URL part that fits a database id: larger numbers are a 404, not a 500."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**63 - 1, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app) -> None:
    from . import sync_messages

    app.url_map.converters["int"] = DatabaseInt
    app.jinja_env.globals.update(sync_error_text=sync_messages.error_text,
                                 sync_state_text=lambda s: str(sync_messages.STATES.get(s, s)),
                                 sync_trigger_text=lambda t: str(sync_messages.TRIGGERS.get(t, t)),
                                 reauth_reason=sync_messages.reauth_reason,
                                 outside_hours_text=sync_messages.outside_hours)
    from flask import render_template
    from flask_babel import gettext as _
    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def _csrf_error(_exc):
        message = _("フォームの有効期限が切れたか、不正な送信です。ページを再読み込みしてもう一度お試しください。")  # noqa: E501
        return render_template("error.html", message=message), 400

    @app.errorhandler(404)
    def _not_found(_exc):
        return render_template("error.html", message=_("ページが見つかりません。")), 404

    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load(user_id: str):
        from .services.users import load_session_user

        return load_session_user(get_session(), int(user_id))

    @login_manager.unauthorized_handler
    def _unauthorized():
        target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
        if is_htmx():
            # A 302 would be swapped into the fragment; tell htmx to navigate instead.
            return "", 401, {"HX-Redirect": target}
        return redirect(target)
