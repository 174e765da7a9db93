"""The forms of the imports page: the upload, "Применить" and the month's export."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import InputRequired

from kabinet.forms import DayField, Form, one_of
from kabinet.staff.imports.exports import EXPORT_FORMATS
from kabinet.staff.imports.services import KIND_LABELS, SUFFIXES


class UploadForm(Form):
    """A file of one kind to preview."""

    kind = one_of(_l("Что в файле"), KIND_LABELS, _l("Выберите, что в файле."), required=_l("Выберите, что в файле."))
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
    format = one_of(
        _l("Формат"),
        {name: kind.label for name, kind in EXPORT_FORMATS.items()},
        _l("Выберите формат из списка."),
        default="csv-utf8",
    )
