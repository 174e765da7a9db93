"""The forms of the imports page: the upload, "Применить" and the month's export."""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, RadioField, SelectChoice, StringField
from wtforms.validators import AnyOf, DataRequired, ValidationError

from kabinet.forms import Form, strip
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

    month = StringField(
        _l("Месяц"),
        filters=[strip],
        validators=[DataRequired(_l("Укажите месяц."))],
        render_kw={"type": "month", "placeholder": "ГГГГ-ММ"},
    )
    format = RadioField(
        _l("Формат"),
        choices=[SelectChoice(name, kind.label) for name, kind in EXPORT_FORMATS.items()],
        default="csv-utf8",
        validators=[AnyOf(list(EXPORT_FORMATS), message=_l("Выберите формат из списка."))],
        validate_choice=False,  # AnyOf says it in words an accountant understands
    )

    def validate_month(self, field):
        found = re.fullmatch(r"(\d{4})-(\d{2})", field.data or "")
        if not found or not 1 <= int(found[2]) <= 12 or not 2000 <= int(found[1]) <= 2100:
            raise ValidationError(_l("Укажите месяц в виде ГГГГ-ММ, например 2026-10."))

    @property
    def first_day(self) -> date:
        year, month = map(int, self.month.data.split("-"))
        return date(year, month, 1)
