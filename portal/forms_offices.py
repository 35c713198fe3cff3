"""Forms of the office switcher and of adding an office."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import InputRequired, Optional, StopValidation

from .forms import at_most, required


class RequiredUnless(InputRequired):
    """Required unless another field was sent."""

    def __init__(self, other: str):
        super().__init__()
        self.other = other

    def __call__(self, form, field):
        if form[self.other].data:
            field.errors[:] = []
            raise StopValidation()
        super().__call__(form, field)


class SwitchOfficeForm(FlaskForm):
    """The top bar sends office_id (+ next); a cell of the overview sends to="<id> <path>"."""
    office_id = IntegerField(validators=[RequiredUnless("to")])
    next = HiddenField(validators=[Optional()])
    to = HiddenField(validators=[Optional()])


class NewOfficeForm(FlaskForm):
    name = StringField(_l("事業所名"), validators=[required(), at_most(200)])


class DeleteOfficeForm(FlaskForm):
    """事業所の削除: the office's name typed again, so a slip of the hand deletes nothing."""
    name = StringField(_l("確認のため、事業所名を入力してください"), validators=[required(), at_most(200)])
