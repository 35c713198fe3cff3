"""Sign up, log in, log out, language (blueprint "auth")."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..auth import log_in
from ..db import get_session
from ..forms import LoginForm, SignupForm
from ..services import users
from .http import see_other

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after login would be a phishing aid.
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


def start_session(user_id: int | None) -> None:
    """A fresh session (nothing from before survives but the language), signed in as
    `user_id` unless it is None."""
    lang = cookie_session.get("lang")
    cookie_session.clear()
    if lang:
        cookie_session["lang"] = lang
    if user_id is not None:
        log_in(user_id)


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = users.sign_up(get_session(), email=form.email.data, password=form.password.data,
                                 office_name=form.office_name.data)
        except users.SignupError:
            form.email.errors.append(_("このメールアドレスは登録済みです。"))
        else:
            start_session(user.id)
            flash(_("ようこそ。事業所「%(name)s」を作成しました。", name=form.office_name.data), "success")
            return see_other("home.index")
    return render_template("auth/signup.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = users.authenticate(
                get_session(), email=form.email.data, password=form.password.data,
                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                lock_seconds=current_app.config["LOGIN_LOCK_SECONDS"])
        except users.LoginThrottled:
            form.email.errors.append(_("ログインの失敗が続いたため、しばらくしてからお試しください。"))
            return render_template("auth/login.html", form=form), 429
        if user is None:
            form.password.errors.append(_("メールアドレスまたはパスワードが違います。"))
        else:
            start_session(user.id)
            return redirect(_safe_next(request.args.get("next")), code=303)
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    # Ends every copy of this session cookie too (portal/auth.py says why all sessions end).
    users.end_sessions(get_session(), current_user.id)
    logout_user()
    cookie_session.clear()
    return see_other("auth.login")


@bp.post("/lang")
def set_language():
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        cookie_session["lang"] = lang
        if current_user.is_authenticated:
            users.set_locale(get_session(), current_user.id, lang)
    return redirect(_safe_next(request.form.get("next")), code=303)
