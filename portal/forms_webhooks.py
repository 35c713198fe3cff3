"""Forms of the webhooks pages. The event choices are the five event types, shown as they
are named in the payloads (receivers match on those names)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .forms import GetForm, at_most, required
from .services.webhooks import EVENTS


class EventsField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EndpointForm(FlaskForm):
    url = StringField(_l("送信先URL"), filters=[lambda s: s.strip() if s else s],
                      validators=[required(), at_most(2000)])
    description = StringField(_l("説明(任意)"), validators=[Optional(), at_most(200)])
    events = EventsField(_l("送るイベント"), choices=[SelectChoice(e, e) for e in EVENTS],
                         validators=[required(_l("イベントを1つ以上選んでください。"))])


class DeliveryPageForm(GetForm):
    """?before=<id>: the delivery log's next page."""

    before = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**63 - 1)])
