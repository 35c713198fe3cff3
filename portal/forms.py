"""Forms: validation and CSRF through Flask-WTF; labels through Babel."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional, ValidationError


class SignupForm(FlaskForm):
    office_name = StringField(_l("事業所名"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("メールアドレス"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("パスワード"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(_l("パスワード(確認)"),
                            validators=[DataRequired(), EqualTo("password", _l("パスワードが一致しません。"))])  # noqa: E501


class LoginForm(FlaskForm):
    email = EmailField(_l("メールアドレス"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("パスワード"), validators=[DataRequired(), Length(max=200)])


class RegisterAccountForm(FlaskForm):
    kind = RadioField(_l("口座の種別"), validators=[DataRequired(_l("口座の種別を選んでください。"))],
                      choices=[])
    name = StringField(_l("口座名"), validators=[Optional(), Length(max=200)])


class SelectRemoteForm(FlaskForm):
    remote_account = RadioField(_l("同期する口座"),
                                validators=[DataRequired(_l("同期する口座を選んでください。"))],
                                choices=[], coerce=int)


class ManualStatementForm(FlaskForm):
    transaction_date = DateField(_l("取引日"), validators=[DataRequired(_l("取引日を入力してください。"))])
    description = StringField(_l("摘要"), validators=[DataRequired(_l("摘要を入力してください。")),
                                                     Length(max=200)])
    deposit = IntegerField(_l("入金"), validators=[Optional(), NumberRange(min=1, max=10**12)])
    withdrawal = IntegerField(_l("出金"), validators=[Optional(), NumberRange(min=1, max=10**12)])
    balance_after = IntegerField(_l("残高"), validators=[Optional(), NumberRange(min=-(10**13), max=10**13)])

    def validate(self, extra_validators=None) -> bool:
        # Not a field validator: Optional() stops the chain on an empty field, and the rule is
        # about the pair (exactly one of 入金 / 出金).
        ok = super().validate(extra_validators)
        if ok and (self.deposit.data is None) == (self.withdrawal.data is None):
            self.withdrawal.errors.append(_l("入金か出金のどちらか一方を入力してください。"))
            return False
        return ok


class StatementFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    date_from = DateField(_l("開始日"), validators=[Optional()])
    date_to = DateField(_l("終了日"), validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("終了日は開始日以降にしてください。"))


class AccountSettingsForm(FlaskForm):
    name = StringField(_l("口座名"), validators=[DataRequired(_l("口座名を入力してください。")),
                                               Length(max=200)])
    period_start = DateField(_l("取得開始日"), validators=[Optional()])


class SharedLoginForm(FlaskForm):
    source_account = RadioField(_l("ログイン情報を利用する口座"), coerce=int, choices=[],
                                validators=[DataRequired(_l("口座を選んでください。"))])
