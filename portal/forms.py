"""Forms: validation and CSRF through Flask-WTF; labels through Babel."""
import unicodedata
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from .services import passwords

# Plain Japanese for every check, never WTForms' own wording (「数値は 1 以上, … でなければいけません」).
MAX_YEN = 10**12


def required(message=None) -> DataRequired:
    return DataRequired(message or _l("入力してください。"))


def at_most(chars: int) -> Length:
    return Length(max=chars, message=_l("%(max)d文字以内で入力してください。"))


def yen(*, signed: bool = False) -> NumberRange:
    """An amount (1 yen to 1 trillion) or a balance (which may be negative: an overdraft)."""
    if not signed:
        return NumberRange(min=1, max=MAX_YEN, message=_l("1円以上、1兆円以下の金額を入力してください。"))
    return NumberRange(min=-10 * MAX_YEN, max=10 * MAX_YEN,
                       message=_l("残高は10兆円未満で入力してください。"))


class YenField(IntegerField):
    """Whole yen as people type them: 12,000 / １２０００ / ¥12000 are all 12000."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0]:
            text = unicodedata.normalize("NFKC", valuelist[0]).strip()
            text = text.replace(",", "").replace("¥", "").replace("円", "").replace("−", "-").strip()
            try:
                self.data = int(text)
            except ValueError:
                self.data = None
                raise ValueError(_l("金額は数字で入力してください(例: 12000)。")) from None
            return
        self.data = None


class DayField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("日付は 2024-04-01 の形で入力してください。")) from None


class StrongPassword:
    """The password policy of portal/services/passwords.py, in plain Japanese. The e-mail is
    the form's `email` field, else the form's `account_email` (set by the view)."""

    field_flags = {"minlength": passwords.MIN_LENGTH}

    def __call__(self, form, field):
        email = form.email.data if hasattr(form, "email") else getattr(form, "account_email", "")
        office = form.office_name.data if hasattr(form, "office_name") else ""
        weakness = passwords.weakness(field.data or "", email=email or "",
                                      other_inputs=tuple(s for s in (office,) if s))
        if weakness is None:
            return
        raise ValidationError({
            passwords.Weakness.TOO_SHORT: _l("パスワードは12文字以上、200文字以内にしてください。"),
            passwords.Weakness.TOO_LONG: _l("パスワードは12文字以上、200文字以内にしてください。"),
            passwords.Weakness.IS_EMAIL: _l("メールアドレスをパスワードにすることはできません。"),
            passwords.Weakness.EASY_TO_GUESS: _l(
                "推測されやすいパスワードです。よく使われる言葉や並びを避け、長めの文にしてください。"),
        }[weakness])


PASSWORD_HINT = _l("12文字以上。単語をいくつか組み合わせた長めの文がおすすめです。")


class SignupForm(FlaskForm):
    office_name = StringField(_l("事業所名"), validators=[required(), at_most(200)])
    email = EmailField(_l("メールアドレス"), validators=[
        required(), Email(_l("メールアドレスの形式が正しくありません。")), at_most(254)])
    password = PasswordField(_l("パスワード"), validators=[required(), StrongPassword()])
    confirm = PasswordField(_l("パスワード(確認)"),
                            validators=[required(), EqualTo("password", _l("パスワードが一致しません。"))])


class LoginForm(FlaskForm):
    email = EmailField(_l("メールアドレス"), validators=[required(), at_most(254)])
    password = PasswordField(_l("パスワード"), validators=[required(), at_most(200)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("メールアドレス"), validators=[
        required(), Email(_l("メールアドレスの形式が正しくありません。")), at_most(254)])


class NewPasswordForm(FlaskForm):
    """A password reset by e-mail: the view sets `account_email` for the policy."""

    account_email = ""
    password = PasswordField(_l("新しいパスワード"), validators=[required(), StrongPassword()])
    confirm = PasswordField(_l("新しいパスワード(確認)"), validators=[
        required(), EqualTo("password", _l("パスワードが一致しません。"))])


class CodeForm(FlaskForm):
    """The second step of a login: a code from the authenticator app or a recovery code."""

    code = StringField(_l("確認コード"), validators=[required(), at_most(40)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text",
                                  "autocapitalize": "off", "spellcheck": "false"})


class TwoFactorSetupForm(FlaskForm):
    code = StringField(_l("アプリに表示された6桁のコード"), validators=[required(), at_most(10)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class TwoFactorDisableForm(FlaskForm):
    password = PasswordField(_l("パスワード"), validators=[required(), at_most(200)])
    code = StringField(_l("確認コード"), validators=[required(), at_most(40)],
                       render_kw={"autocomplete": "one-time-code"})


class RequireTwoFactorForm(FlaskForm):
    required = BooleanField(_l("事業所のメンバー全員に2段階認証を必須にする"))


class RegisterAccountForm(FlaskForm):
    kind = RadioField(_l("口座の種別"), validators=[DataRequired(_l("口座の種別を選んでください。"))],
                      choices=[])
    name = StringField(_l("口座名"), validators=[Optional(), at_most(200)])


class SelectRemoteForm(FlaskForm):
    remote_account = RadioField(_l("同期する口座"),
                                validators=[DataRequired(_l("同期する口座を選んでください。"))],
                                choices=[], coerce=int)


class ManualStatementForm(FlaskForm):
    # InputRequired, not DataRequired: a date typed wrong keeps its own message.
    transaction_date = DayField(_l("取引日"), validators=[InputRequired(_l("取引日を入力してください。"))])
    description = StringField(_l("摘要"), validators=[required(_l("摘要を入力してください。")),
                                                     at_most(200)])
    deposit = YenField(_l("入金"), validators=[Optional(), yen()])
    withdrawal = YenField(_l("出金"), validators=[Optional(), yen()])
    balance_after = YenField(_l("残高"), validators=[Optional(), yen(signed=True)])
    memo = StringField(_l("メモ"), validators=[Optional(), at_most(500)])

    def validate(self, extra_validators=None) -> bool:
        # Not a field validator: Optional() stops the chain on an empty field, and the rule is
        # about the pair (exactly one of 入金 / 出金).
        ok = super().validate(extra_validators)
        if ok and (self.deposit.data is None) == (self.withdrawal.data is None):
            self.withdrawal.errors.append(_l("入金か出金のどちらか一方を入力してください。"))
            return False
        return ok


NOT_A_CURSOR = "not a cursor"


class CursorField(Field):
    """The statement list's keyset cursor, `2024-04-01_123`: (date, id), the id a 64-bit one.
    Anything else (another shape, ids beyond 2^63, digits that are not ASCII) is no cursor:
    an error never shown (the page has no cursor field), the list starts at its first page."""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0]:
            return
        day, _sep, ident = valuelist[0].partition("_")
        if not (ident.isascii() and ident.isdigit() and len(ident) <= 19):
            raise ValueError(NOT_A_CURSOR)
        try:
            key = date.fromisoformat(day), int(ident)
        except ValueError:
            raise ValueError(NOT_A_CURSOR) from None
        if key[1] >= 2**63:
            raise ValueError(NOT_A_CURSOR)
        self.data = key

    def _value(self):
        return f"{self.data[0].isoformat()}_{self.data[1]}" if self.data else ""


class GetForm(FlaskForm):
    """A form read from the query string: a GET changes nothing, so no CSRF token."""

    class Meta:
        csrf = False

    def value(self, name: str):
        """The field's value when it is valid, else its default (a query string is typed by
        hand or by a link: a wrong one gives the page as if it were absent, never a 500)."""
        field = getattr(self, name)
        return field.data if not field.errors else field.default


class StatementFilterForm(GetForm):
    date_from = DayField(_l("開始日"), validators=[Optional()])
    date_to = DayField(_l("終了日"), validators=[Optional()])
    after = CursorField()

    def dates(self) -> tuple[date | None, date | None]:
        """The filter's dates once validate() ran; none when either is wrong."""
        if self.date_from.errors or self.date_to.errors:
            return None, None
        return self.date_from.data, self.date_to.data

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("終了日は開始日以降にしてください。"))


class AccountSettingsForm(FlaskForm):
    name = StringField(_l("口座名"), validators=[required(_l("口座名を入力してください。")),
                                               at_most(200)])
    period_start = DayField(_l("取得開始日"), validators=[Optional()])
    # 開始残高 (accounts without an API): the balance before the first transaction of its date.
    opening_balance = YenField(_l("開始残高"), validators=[Optional(), yen(signed=True)])
    opening_balance_date = DayField(_l("開始残高の日付"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        # The pair: a balance means nothing without its date, nor a date without a balance.
        ok = super().validate(extra_validators)
        if ok and (self.opening_balance.data is None) != (self.opening_balance_date.data is None):
            missing = self.opening_balance if self.opening_balance.data is None else self.opening_balance_date
            missing.errors.append(_l("開始残高と日付は両方入力してください(消すときは両方とも空に)。"))
            return False
        return ok


class MemoForm(FlaskForm):
    memo = StringField(_l("メモ"), validators=[Optional(), at_most(500)])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the confirmation page already said what happens."""


class SharedLoginForm(FlaskForm):
    source_account = RadioField(_l("ログイン情報を利用する口座"), coerce=int, choices=[],
                                validators=[DataRequired(_l("口座を選んでください。"))])


class BankSearchForm(GetForm):
    """口座の登録: the bank search box (a name, kana or code; the first 50 characters)."""

    q = StringField(filters=[lambda s: (s or "").strip()[:50]], default="")


def _choice(*values: str) -> SelectField:
    # The first value is the default; anything not listed is an error, so value() gives it.
    return SelectField(choices=[SelectChoice(v, v) for v in values], default=values[0])


class PageOptionsForm(GetForm):
    """The flags a link may add to a page: ?then=settings (選択のあと口座設定へ), ?pick=1 (the
    login picker open), ?show=1 (the memo as shown, htmx's cancel)."""

    then = _choice("", "settings")
    pick = _choice("", "1")
    show = _choice("", "1")


def page_options(formdata) -> PageOptionsForm:
    form = PageOptionsForm(formdata)
    form.validate()
    return form
