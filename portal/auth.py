"""Who is signed in: the user flask-login keeps for a request, how it is loaded, and what a
request without one gets.

Sessions really end. The session cookie is signed, not stored, so a copy of it would work
until it expires; each user therefore has a session version (User.session_version), written
into the session at login and compared by the user loader on every request. A session with
another number is anonymous. Every logout, a password change and 「すべての端末からログアウト」
raise the number: one counter, no table of live sessions, and a copied cookie is useless as
soon as the user logs out from the browser it was copied from. The price: logging out in one
browser also ends the user's sessions in other browsers (documented in the README).

On PostgreSQL the member a request signs in with comes from the process's memory, forgotten
when the database tells of a change to the user (listen_cache): a session ended in another
process ends here when that notice arrives, milliseconds after the commit.
"""
from dataclasses import dataclass

from flask import current_app, redirect, request, url_for
from flask import session as cookie_session
from flask_login import UserMixin, current_user, login_user

from .db import request_connection
from .extensions import login_manager
from .models.vocabulary import Role
from .services import users
from .session_cookies import SessionCookies


@dataclass
class SessionUser(UserMixin):
    id: int
    email: str
    office_id: int
    locale: str | None
    session_version: int
    role: Role = Role.OWNER
    two_factor: bool = False
    two_factor_required: bool = False

    @property
    def is_owner(self) -> bool:
        return self.role is Role.OWNER


VERSION_KEY = "_sv"
# The office the session works in. Only the server writes it (at login and by the office
# switcher, after checking the membership); no form field ever names the current office.
OFFICE_KEY = "_office"


def _session_user(user_id: int, office_id: int | None) -> SessionUser | None:
    member = users.member(request_connection(), user_id, office_id)
    return SessionUser(**vars(member)) if member else None


def _load_user(user_id: str) -> SessionUser | None:
    uid, office_id, version = int(user_id), cookie_session.get(OFFICE_KEY), cookie_session.get(VERSION_KEY)
    cache = current_app.extensions["listen_cache"]
    # Kept in memory until the database tells of a change to the user (listen_cache).
    member = cache.read(("u", uid), office_id, lambda: users.member(request_connection(), uid, office_id))
    if member is not None and member.session_version != version:
        # This browser's own logout or password change may be newer than the notice: ask
        # the database itself before turning the session away.
        member = users.member(request_connection(), uid, office_id)
    if member is None or member.session_version != version:
        return None  # logged out, password changed or ended everywhere since this login
    return SessionUser(**vars(member))


def log_in(user_id: int, office_id: int | None = None) -> bool:
    """Sign in, working in `office_id` when the user is its member, else in their first.
    False, and nobody signed in, for a user who is a member of no office (removed from the
    only one, or left it): every page works in an office, so they get to choose one first."""
    user = _session_user(user_id, office_id)
    if user is None:
        return False
    login_user(user)
    cookie_session[VERSION_KEY] = user.session_version
    cookie_session[OFFICE_KEY] = user.office_id
    return True


def switch_office(office_id: int) -> bool:
    """Work in another office of the signed-in user; False when they are not its member."""
    user = _session_user(current_user.id, office_id)
    if user is None or user.office_id != office_id:
        return False
    cookie_session[OFFICE_KEY] = office_id
    login_user(user)
    return True


def init_app(app) -> None:
    app.session_interface = SessionCookies()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)

    @login_manager.unauthorized_handler
    def _unauthorized():
        target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
        if request.headers.get("HX-Request") == "true":
            # A 302 would be swapped into the fragment; tell htmx to navigate instead.
            return "", 401, {"HX-Redirect": target}
        return redirect(target)
