"""The form of the API tokens page: a name, the scopes, an optional last day."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional, ValidationError

from .api.scopes import Scope
from .dates import today_jst
from .forms import DayField, at_most, required

SCOPE_LABELS = {
    Scope.ACCOUNTS_READ: _l("口座の一覧・残高・同期の状態を読む"),
    Scope.STATEMENTS_READ: _l("明細と明細の変更を読む"),
    Scope.SYNC_WRITE: _l("同期を依頼する"),
    Scope.WEBHOOKS_WRITE: _l("Webhook を設定する"),
}


class ApiTokenForm(FlaskForm):
    name = StringField(_l("名前"), filters=[lambda s: s.strip() if s else s],
                       validators=[required(), at_most(100)])
    scopes = SelectMultipleField(
        _l("スコープ"), choices=[SelectChoice(s.value, SCOPE_LABELS[s]) for s in Scope],
        widget=widgets.ListWidget(prefix_label=False), option_widget=widgets.CheckboxInput(),
        validators=[DataRequired(_l("スコープを1つ以上選んでください。"))])
    expires_on = DayField(_l("有効期限(任意)"), validators=[Optional()])

    def validate_expires_on(self, field):
        if field.data is not None and field.data <= today_jst():
            raise ValidationError(_l("有効期限には明日以降の日付を指定してください。"))
