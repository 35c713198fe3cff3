"""Forms of the statement-file pages (import, column mapping, confirm) and of the review queue."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

ROLE_CHOICES = [
    SelectChoice("", _l("使わない")),
    SelectChoice("date", _l("取引日")),
    SelectChoice("value_date", _l("起算日")),
    SelectChoice("description", _l("摘要")),
    SelectChoice("description_extra", _l("摘要(続き)")),
    SelectChoice("deposit", _l("入金")),
    SelectChoice("withdrawal", _l("出金")),
    SelectChoice("signed", _l("入出金(出金はマイナス)")),
    SelectChoice("balance", _l("残高")),
    SelectChoice("memo", _l("メモ")),
]
MAX_COLUMNS = 60  # as many as the mapping step proposes


class UploadForm(FlaskForm):
    file = FileField(_l("明細ファイル(CSV)"), validators=[FileRequired(_l("ファイルを選んでください。"))])


class MappingForm(FlaskForm):
    header_line = IntegerField(_l("見出しの行(見出しがなければ0)"),
                               validators=[InputRequired(_l("行番号を入力してください。")),
                                           NumberRange(min=0, max=40,
                                                       message=_l("見出しの行は0から40までの数で入力してください。"))])

    def roles(self) -> dict[int, str]:
        return {i: getattr(self, f"col_{i}").data or "" for i in range(self.column_count)}


def mapping_form(column_count: int, **kwargs) -> MappingForm:
    """A mapping form with one role select per column of the file."""
    column_count = min(column_count, MAX_COLUMNS)

    class _Form(MappingForm):
        pass

    for i in range(column_count):
        setattr(_Form, f"col_{i}", SelectField(_l("%(n)s列目", n=i + 1), choices=ROLE_CHOICES, default=""))
    form = _Form(**kwargs)
    form.column_count = column_count
    return form


class HeaderLineForm(FlaskForm):
    """The mapping step's header line as the page was asked for it (GET ?header_line= re-proposes;
    a POST proposes from the line sent): a whole number, else the guess. int() reads other
    scripts' digits too; a superscript "²" is no number to it, so it is an error here."""

    class Meta:
        csrf = False

    header_line = IntegerField(validators=[Optional()])

    def header_row(self) -> int | None:
        """The 0-based row (line 0 and 1 both mean the first row, as the page always had it)."""
        line = self.header_line.data
        return None if self.header_line.errors or line is None else min(max(line, 1), 40) - 1


class ExportForm(FlaskForm):
    """?encoding= of the CSV export: UTF-8 with a BOM (the default) or Shift_JIS."""

    class Meta:
        csrf = False

    encoding = SelectField(choices=[SelectChoice("utf-8-sig", "UTF-8"),
                                    SelectChoice("cp932", "Shift_JIS")],
                           default="utf-8-sig")


class ConfirmImportForm(FlaskForm):
    gap_complete = BooleanField(_l("このファイルで不足期間の明細がすべてそろっています"))


class SwitchForm(FlaskForm):
    """Only the CSRF token: the switch takes no input."""


class ReviewActionForm(FlaskForm):
    action = RadioField(choices=[SelectChoice("link", _l("この明細と同じ")),
                                 SelectChoice("add", _l("新しい明細として追加")),
                                 SelectChoice("ignore", _l("無視する"))],
                        validators=[DataRequired()])
    candidate = IntegerField(validators=[Optional()])
