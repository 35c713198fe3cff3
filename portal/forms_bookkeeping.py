"""Forms of the bookkeeping pages (記帳): the start, the inbox, rules, masters, the
journal entries and their export.

Selects of masters hold ids the view lists for the office, but do not check the choice
themselves: an id the office does not own reaches the service, which answers NotFound (a
404), and an id of its own that is switched off is still the user's to use."""
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .forms import DayField, GetForm, YenField, at_most, required
from .models.vocabulary import BusinessForm, Direction, RuleMatch, TitleKind

NOT_AN_ID = _l("一覧から選んでください。")


def _id(text: str) -> int:
    text = unicodedata.normalize("NFKC", text).strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise ValueError(NOT_AN_ID)
    return int(text)


def _choice_id(value) -> int | None:
    # Only our own choice values come here ("" or an id's digits), to mark the selected one.
    return int(value) if value not in ("", None) else None


class IdField(SelectField):
    """A master's id, or None for the empty choice."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("choices", [])
        super().__init__(label, validators, validate_choice=False, coerce=_choice_id, **kwargs)

    def process_formdata(self, valuelist):
        self.data = _id(valuelist[0]) if valuelist and valuelist[0] else None

    def process_data(self, value):
        self.data = value


class IdsField(SelectMultipleField):
    """タグ: checkboxes, any number of them."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("choices", [])
        super().__init__(label, validators, validate_choice=False, coerce=_choice_id, **kwargs)

    def process_formdata(self, valuelist):
        self.data = [_id(v) for v in valuelist if v]

    def process_data(self, value):
        self.data = list(value or [])


class StartForm(FlaskForm):
    business_form = RadioField(
        _l("事業の形態"), validators=[DataRequired(_l("法人か個人事業主かを選んでください。"))],
        choices=[])


class BookingFields(FlaskForm):
    """What a statement is booked as: the side that is not the bank account, and the rest."""

    title_id = IdField(_l("勘定科目"))
    sub_account_id = IdField(_l("補助科目"))
    tax_class_key = SelectField(_l("税区分"), choices=[], validate_choice=False)
    counterparty_id = IdField(_l("取引先"))
    department_id = IdField(_l("部門"))
    memo = StringField(_l("メモ"), validators=[Optional(), at_most(500)])
    tag_ids = IdsField(_l("タグ"))


class SkipForm(FlaskForm):
    reason = StringField(_l("スキップの理由(任意)"), validators=[Optional(), at_most(200)])


class InboxFilterForm(GetForm):
    account = IdField(_l("口座"))
    after = StringField()


class TransferForm(FlaskForm):
    other_id = IntegerField(validators=[DataRequired()])


class RuleForm(BookingFields):
    name = StringField(_l("ルール名(任意)"), validators=[Optional(), at_most(100)])
    match = RadioField(_l("摘要の条件"), choices=[], default=RuleMatch.CONTAINS.value,
                       validators=[DataRequired(_l("条件の種類を選んでください。"))])
    pattern = StringField(_l("摘要"), validators=[required(_l("摘要の条件を入力してください。"))])
    direction = RadioField(_l("入金・出金"), choices=[], default="")
    amount_min = YenField(_l("金額(下限)"), validators=[Optional(), NumberRange(
        min=0, max=10**12, message=_l("0円以上、1兆円以下の金額を入力してください。"))])
    amount_max = YenField(_l("金額(上限)"), validators=[Optional(), NumberRange(
        min=0, max=10**12, message=_l("0円以上、1兆円以下の金額を入力してください。"))])
    account_id = IdField(_l("口座"))
    skip = RadioField(_l("該当した明細をどうするか"), choices=[], default="book")
    active = BooleanField(_l("このルールを使う"), default=True)


class PositionForm(FlaskForm):
    position = IntegerField(_l("優先順位"), validators=[
        DataRequired(_l("1以上の数字を入力してください。")),
        NumberRange(min=1, max=100000, message=_l("1以上の数字を入力してください。"))])


class MoveForm(FlaskForm):
    step = SelectField(choices=[SelectChoice("-1", "-1"), SelectChoice("1", "1")])


class NameForm(FlaskForm):
    name = StringField(_l("名前"), validators=[required(_l("名前を入力してください。"))])


class TitleForm(NameForm):
    kind = SelectField(_l("区分"), choices=[], default=TitleKind.EXPENSE.value)
    tax_class_key = SelectField(_l("既定の税区分"), choices=[], validate_choice=False)


class SubAccountForm(NameForm):
    title_id = IdField(_l("勘定科目"), validators=[DataRequired(_l("勘定科目を選んでください。"))])


class ActiveForm(FlaskForm):
    active = SelectField(choices=[SelectChoice("1", "1"), SelectChoice("0", "0")])


class AccountMapForm(FlaskForm):
    title_id = IdField(_l("勘定科目"), validators=[DataRequired(_l("勘定科目を選んでください。"))])
    sub_account_id = IdField(_l("補助科目"))

# The values of the radio buttons, in the order shown (labels come from portal.labels).
BUSINESS_FORMS = (BusinessForm.CORPORATION, BusinessForm.SOLE_PROPRIETOR)
RULE_MATCHES = (RuleMatch.CONTAINS, RuleMatch.EQUALS, RuleMatch.STARTS_WITH, RuleMatch.REGEX)
DIRECTIONS = (Direction.IN, Direction.OUT)


# 仕訳 and 仕訳の書き出し

ENTRY_STATES = ("", "booked", "flagged")


class EntryFilterForm(GetForm):
    """?state=booked|flagged and ?before=<id> (keyset paging); anything else is the first
    page of every entry."""

    state = SelectField(choices=[SelectChoice(v, v) for v in ENTRY_STATES], default="")
    before = StringField(default="")

    def before_id(self) -> int | None:
        text = unicodedata.normalize("NFKC", self.before.data or "").strip()
        if text.isascii() and text.isdigit() and 0 < len(text) <= 18:
            return int(text)
        return None


class AccountsField(SelectMultipleField):
    """Checkboxes of the office's accounts; an id that is not one of them is refused."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist):
        try:
            self.data = [int(v) for v in valuelist if v]
        except ValueError:
            self.data = None
            raise ValueError(_l("選べない口座が含まれています。")) from None

    def pre_validate(self, form):
        allowed = {int(value) for value, _label in self.choices}
        if self.data is None or any(v not in allowed for v in self.data):
            raise ValidationError(_l("選べない口座が含まれています。"))


class ExportForm(FlaskForm):
    date_from = DayField(_l("開始日"), validators=[DataRequired(_l("開始日を入力してください。"))])
    date_to = DayField(_l("終了日"), validators=[DataRequired(_l("終了日を入力してください。"))])
    # At least one, checked in validate_accounts: a `required` flag would mark every box.
    accounts = AccountsField(_l("口座"), coerce=int)
    format_key = RadioField(_l("出力形式"), choices=[], validate_choice=False,
                            validators=[DataRequired(_l("出力形式を選んでください。"))])
    only_new = BooleanField(_l("前回の書き出し以降の新しい仕訳だけ"))

    def validate_accounts(self, field):
        if not field.data:
            raise ValidationError(_l("口座を1つ以上選んでください。"))

    def validate_format_key(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("出力形式を選んでください。"))

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("終了日は開始日以降にしてください。"))
