"""Password reset by e-mail (blueprint "password_reset"): 「パスワードをお忘れの方」.

Every address gets the same answer; the link works once, for PASSWORD_RESET_MINUTES. A reset
ends every session and the account's login lock (rate_limits.py), so the owner of a locked
account always has a way in. It does not sign in: two-factor is still asked at login."""
from datetime import timedelta

from flask import Blueprint, current_app, flash, render_template
from flask_babel import gettext as _

from ..db import get_session
from ..forms import ForgotPasswordForm, NewPasswordForm
from ..services import password_reset
from . import auth_mail, rate_limits
from .http import see_other
from .sign_in import start_session

bp = Blueprint("password_reset", __name__, url_prefix="/password")


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    if auth_mail.settings() is None:
        return render_template("auth/forgot_unavailable.html"), 404
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        wait = rate_limits.spend((rate_limits.RESET_ADDRESS, rate_limits.address_key()),
                                 (rate_limits.RESET_ACCOUNT, rate_limits.account_key(form.email.data)))
        if wait:
            return rate_limits.too_many(wait)
        started = password_reset.start(
            get_session(), form.email.data,
            ttl=timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"]))
        if started is not None:
            user, token = started
            auth_mail.password_reset(user.email, token, user.locale)
        return render_template("auth/forgot_sent.html")
    return render_template("auth/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    session = get_session()
    user = password_reset.user_of(session, token)
    if user is None:
        return render_template("auth/link_invalid.html"), 404
    form = NewPasswordForm()
    form.account_email = user.email
    if form.validate_on_submit():
        if password_reset.finish(session, token, form.password.data) is None:
            return render_template("auth/link_invalid.html"), 404
        rate_limits.give_back(rate_limits.LOGIN_ACCOUNT, rate_limits.account_key(user.email))
        start_session(None)
        flash(_("パスワードを再設定しました。新しいパスワードでログインしてください。"), "success")
        return see_other("auth.login")
    return render_template("auth/reset.html", form=form), 400 if form.errors else 200
