"""Forms of the members pages and the invitation link. The role choices are set by the view:
an admin is never offered the owner role."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, RadioField
from wtforms.validators import DataRequired, Email, EqualTo, NumberRange, Optional

from .forms import GetForm, StrongPassword, at_most, required


def _role_field() -> RadioField:
    return RadioField(_l("権限"), choices=[], validators=[DataRequired(_l("権限を選んでください。"))])


class InviteForm(FlaskForm):
    email = EmailField(_l("メールアドレス"), filters=[lambda s: s.strip() if s else s], validators=[
        required(), Email(_l("メールアドレスの形式が正しくありません。")), at_most(254)])
    role = _role_field()


class RoleForm(FlaskForm):
    role = _role_field()


class InvitedAccountForm(FlaskForm):
    """An account for the invited address (the view sets `account_email` for the policy)."""

    account_email = ""
    password = PasswordField(_l("パスワード"), validators=[required(), StrongPassword()])
    confirm = PasswordField(_l("パスワード(確認)"), validators=[
        required(), EqualTo("password", _l("パスワードが一致しません。"))])


class AuditPageForm(GetForm):
    """?before=<id>: the audit log's next page. Anything else gives the first page."""

    before = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**63 - 1)])
