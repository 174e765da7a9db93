"""The forms of the imports page: the upload, "Применить" and the month's export."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, RadioField, SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired

from kabinet.forms import DayField, Form
from kabinet.staff.imports.exports import EXPORT_FORMATS
from kabinet.staff.imports.services import KIND_LABELS, SUFFIXES


class UploadForm(Form):
    """A file of one kind to preview."""

    kind = RadioField(
        _l("Что в файле"),
        choices=[SelectChoice(kind, label) for kind, label in KIND_LABELS.items()],
        validators=[
            DataRequired(_l("Выберите, что в файле.")),
            AnyOf(list(KIND_LABELS), message=_l("Выберите, что в файле.")),
        ],
        validate_choice=False,  # AnyOf says it in the page's words
    )
    file = FileField(
        _l("Файл CSV или XLSX"),
        validators=[
            FileRequired(_l("Выберите файл.")),
            FileAllowed(SUFFIXES, _l("Нужен файл CSV или XLSX. Файл XLS сохраните в Excel как XLSX.")),
        ],
        render_kw={"accept": ".csv,.txt,.xlsx"},
    )


class ApplyForm(Form):
    """ "Применить": the token of the upload that was previewed."""

    upload = HiddenField()


class ExportForm(Form):
    """The month and the file format of a readings export; sent by GET, so a download can be bookmarked."""

    class Meta:
        csrf = False  # it changes nothing but the audit log

    month = DayField(
        _l("Месяц"),
        validators=[InputRequired(_l("Укажите месяц."))],
        format=["%Y-%m"],  # its first day
        invalid_value_message=_l("Укажите месяц в виде ГГГГ-ММ, например 2026-10."),
        render_kw={"type": "month", "placeholder": "ГГГГ-ММ"},
    )
    format = RadioField(
        _l("Формат"),
        choices=[SelectChoice(name, kind.label) for name, kind in EXPORT_FORMATS.items()],
        default="csv-utf8",
        validators=[AnyOf(list(EXPORT_FORMATS), message=_l("Выберите формат из списка."))],
        validate_choice=False,  # AnyOf says it in words an accountant understands
    )
