"""The user's own security page (/account/security): change the password, two-factor
authentication (views/two_factor.py), log out everywhere.

The form lives here, not in portal/forms.py: it is this page's only form."""
from flask import Blueprint, flash, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import EqualTo

from ..db import get_session
from ..forms import StrongPassword, at_most, required
from ..services import users
from .http import see_other
from .sign_in import start_session

bp = Blueprint("account_security", __name__, url_prefix="/account")


class PasswordChangeForm(FlaskForm):
    account_email = ""  # for the password policy: set by the view
    current = PasswordField(_l("現在のパスワード"), validators=[
        required(), at_most(200)])
    password = PasswordField(_l("新しいパスワード"), validators=[required(), StrongPassword()])
    confirm = PasswordField(_l("新しいパスワード(確認)"), validators=[
        required(), EqualTo("password", _l("パスワードが一致しません。"))])


@bp.before_request
@login_required
def _signed_in():
    return None


def _form() -> PasswordChangeForm:
    form = PasswordChangeForm()
    form.account_email = current_user.email
    return form


@bp.get("/security")
def index():
    return render_template("account/security.html", form=_form())


@bp.post("/password")
def change_password():
    form = _form()
    if form.validate_on_submit():
        version = users.change_password(get_session(), current_user.id, current=form.current.data,
                                        new=form.password.data)
        if version is None:
            form.current.errors.append(_("現在のパスワードが違います。"))
        else:
            # Every other session has ended with the new version; this one starts afresh.
            start_session(current_user.id)
            flash(_("パスワードを変更しました。ほかの端末ではログアウトされました。"), "success")
            return see_other("account_security.index")
    return render_template("account/security.html", form=form), 400


@bp.post("/logout-everywhere")
def logout_everywhere():
    users.end_sessions(get_session(), current_user.id)
    logout_user()
    start_session(None)
    flash(_("すべての端末からログアウトしました。"), "success")
    return see_other("auth.login")
