"""Who is signed in: the user flask-login keeps for a request, how it is loaded, and what a
request without one gets."""
from dataclasses import dataclass

from flask import redirect, request, url_for
from flask_login import UserMixin, login_user

from .db import get_session
from .extensions import login_manager
from .services import users


@dataclass
class SessionUser(UserMixin):
    id: int
    email: str
    office_id: int
    locale: str | None


def _session_user(user_id: int) -> SessionUser | None:
    member = users.member(get_session(), user_id)
    return SessionUser(**vars(member)) if member else None


def log_in(user_id: int) -> None:
    login_user(_session_user(user_id))


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    login_manager.user_loader(lambda user_id: _session_user(int(user_id)))

    @login_manager.unauthorized_handler
    def _unauthorized():
        target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
        if request.headers.get("HX-Request") == "true":
            # A 302 would be swapped into the fragment; tell htmx to navigate instead.
            return "", 401, {"HX-Redirect": target}
        return redirect(target)
