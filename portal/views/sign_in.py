"""Sign up, log in, log out, language (blueprint "auth").

Log-in spends from the rate limits before the password is checked (rate_limits.py says why);
a user with two-factor authentication is then only half signed in, until views/two_factor.py
has the code. Sign-up, when the portal sends mail, answers every address alike: a new one
gets a link to confirm, a registered one a notice to its owner (README, "Sign-in")."""
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..auth import log_in
from ..db import get_session
from ..forms import PASSWORD_HINT, ConfirmForm, LoginForm, SignupForm
from ..services import users
from . import auth_mail, rate_limits
from .http import see_other

bp = Blueprint("auth", __name__)
bp.record_once(lambda state: rate_limits.init_app(state.app))


@bp.app_context_processor
def _password_hint():
    # Every page that sets a password says the same rule.
    return {"password_hint": PASSWORD_HINT}


# The half-signed-in state: who gave the right password, for how long the code may follow.
PENDING_KEY = "pending_2fa"
PENDING_SECONDS = 300


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after login would be a phishing aid.
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


def start_session(user_id: int | None) -> bool:
    """A fresh session (nothing from before survives but the language), signed in as
    `user_id` unless it is None. False when that user is a member of no office: nobody is
    signed in then, and the caller holds them for the choice (hold_without_office)."""
    lang = cookie_session.get("lang")
    cookie_session.clear()
    if lang:
        cookie_session["lang"] = lang
    return user_id is not None and log_in(user_id)


# A user whose password (and code) were right but who is a member of no office (removed
# from their only one, or left it): held half signed in, like PENDING_KEY, until they make
# an office of their own (views/no_office.py) or join one by an invitation's link
# (views/invitations.py). Named with their session version, so a password change or
# 「すべての端末からログアウト」 ends it as it ends sessions.
NO_OFFICE_KEY = "no_office"
NO_OFFICE_SECONDS = 600


def hold_without_office(user_id: int, version: int, target: str):
    """Hold the user for the choice, and send them on: back to the invitation they came
    from, else to the page that offers it."""
    cookie_session[NO_OFFICE_KEY] = {"uid": user_id, "sv": version,
                                     "until": int(time.time()) + NO_OFFICE_SECONDS}
    if urlsplit(target).path.startswith("/invitations/"):
        return redirect(target, code=303)
    return see_other("no_office.choose")


def held_without_office():
    """The user held for the choice (a User), while the hold is fresh and their sessions
    were not ended since; else None."""
    held = cookie_session.get(NO_OFFICE_KEY)
    if not isinstance(held, dict) or held.get("until", 0) < time.time():
        return None
    user = users.by_id(get_session(), held.get("uid"))
    if user is None or user.session_version != held.get("sv"):
        return None
    return user


def confirm_signup_by_mail() -> bool:
    """SIGNUP_CONFIRM_BY_MAIL, or by default whenever the portal sends mail. `make run` sends
    its mails to a local catcher and turns it off, so the demo signs up at once."""
    configured = current_app.config.get("SIGNUP_CONFIRM_BY_MAIL")
    if configured is None:
        return auth_mail.settings() is not None
    return bool(configured) and auth_mail.settings() is not None


def signup_enabled() -> bool:
    return bool(current_app.config["SIGNUP_ENABLED"])


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if not signup_enabled():
        return render_template("auth/signup_closed.html"), 404
    form = SignupForm()
    if form.validate_on_submit():
        wait = rate_limits.spend((rate_limits.SIGNUP_ADDRESS, rate_limits.address_key()))
        if wait:
            return rate_limits.too_many(wait)
        if confirm_signup_by_mail():
            return _signup_by_mail(form)
        try:
            user = users.sign_up(get_session(), email=form.email.data, password=form.password.data,
                                 office_name=form.office_name.data)
        except users.SignupError:
            # Without mail there is no owner to tell: see README, "Sign-in".
            form.email.errors.append(_("このメールアドレスは登録済みです。"))
        else:
            start_session(user.id)
            flash(_("ようこそ。事業所「%(name)s」を作成しました。", name=form.office_name.data), "success")
            return see_other("home.index")
    return render_template("auth/signup.html", form=form), 400 if form.errors else 200


def _signup_by_mail(form: SignupForm):
    locale = str(get_locale())
    token, existing = users.start_signup(
        get_session(), email=form.email.data, password=form.password.data,
        office_name=form.office_name.data, locale=locale,
        ttl=timedelta(hours=current_app.config["SIGNUP_CONFIRM_HOURS"]))
    if existing is not None:
        auth_mail.signup_notice(existing.email, existing.locale)
    else:
        auth_mail.signup_confirmation(users.normalise_email(form.email.data), token, locale)
    return render_template("auth/signup_sent.html", email=users.normalise_email(form.email.data))


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
def confirm_signup(token: str):
    # A page with a button, not a sign-up on GET: mail scanners open links.
    if not signup_enabled():
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        user = users.confirm_signup(get_session(), token)
        if user is not None:
            start_session(user.id)
            flash(_("ようこそ。登録が完了しました。"), "success")
            return see_other("home.index")
    elif request.method == "GET" and users.pending_signup(get_session(), token) is not None:
        return render_template("auth/signup_confirm.html", form=form)
    return render_template("auth/link_invalid.html"), 404


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        account = rate_limits.account_key(form.email.data)
        wait = rate_limits.spend((rate_limits.LOGIN_ADDRESS, rate_limits.address_key()),
                                 (rate_limits.LOGIN_ACCOUNT, account))
        if wait:
            return rate_limits.too_many(wait)
        user = users.authenticate(get_session(), email=form.email.data, password=form.password.data)
        if user is None:
            form.password.errors.append(_("メールアドレスまたはパスワードが違います。"))
        else:
            rate_limits.give_back(rate_limits.LOGIN_ACCOUNT, account)
            target = _safe_next(request.args.get("next"))
            if user.totp_enabled_at is not None:
                start_session(None)
                cookie_session[PENDING_KEY] = {"uid": user.id, "sv": user.session_version,
                                               "until": int(time.time()) + PENDING_SECONDS,
                                               "next": target}
                return see_other("two_factor.login_code")
            if not start_session(user.id):
                return hold_without_office(user.id, user.session_version, target)
            return redirect(target, code=303)
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
