"""The forms of the staff's documents: a document's description, and the upload of a new one with its PDF."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, ValidationError

from kabinet.documents.services import KIND_LABELS
from kabinet.forms import DayField, Form, at_most, one_of, strip
from kabinet.staff.documents import services


class DocumentForm(Form):
    """What the tenants read of a document: its title, kind, date and, for a report, the period it covers."""

    title = StringField(
        _l("Название"), filters=[strip], validators=[DataRequired(_l("Укажите название документа.")), at_most(200)]
    )
    kind = one_of(
        _l("Вид документа"), KIND_LABELS, _l("Выберите вид документа."), required=_l("Выберите вид документа.")
    )
    issued_on = DayField(
        _l("Дата документа"),
        validators=[InputRequired(_l("Укажите дату документа."))],
        invalid_value_message=_l("Укажите дату документа, например 10.11.2026."),
    )
    period = StringField(
        _l("Отчётный период (для отчёта)"),
        filters=[strip],
        validators=[at_most(16)],
        render_kw={"placeholder": _l("ГГГГ-ММ или ГГГГ"), "inputmode": "numeric"},
    )

    def validate_period(self, field):
        if self.kind.data != "report":
            field.data = None  # only a report covers a period: what was typed for another kind means nothing
            return
        try:
            field.data = services.read_period(field.data or "")
        except ValueError:
            raise ValidationError(
                _l("Укажите месяц отчёта как ГГГГ-ММ (например, 2026-10) или год годового отчёта (2026).")
            ) from None


class UploadForm(DocumentForm):
    """A new document: its PDF and whom it is for, besides its description."""

    building = SelectField(_l("Для кого"), validate_choice=False)  # checked below, with a message the staff understand
    file = FileField(
        _l("Файл PDF"),
        validators=[FileRequired(_l("Выберите файл PDF."))],
        render_kw={"accept": ".pdf,application/pdf"},
    )

    def __init__(self, organization, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.building.choices = [
            SelectChoice("", _l("Все дома")),
            *(SelectChoice(str(building.id), building.address) for building in organization.buildings),
        ]
        self.content = b""  # the PDF's bytes, once validate_file has read them

    def validate_building(self, field):
        if (field.data or "") not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Выберите дом из списка."))

    def validate_file(self, field):
        try:
            self.content = services.read_pdf(field.data.stream, current_app.config["DOCUMENT_MAX_MB"])
        except services.Refused as refused:
            raise ValidationError(str(refused)) from None

    def validate(self, extra_validators=None):
        """Also say beside a good file that it must be chosen again: a browser keeps no file in a form it shows."""
        valid = super().validate(extra_validators)
        if not valid and self.content:
            self.file.errors = [_l("Файл подходит, но браузер не сохраняет его в форме: выберите его ещё раз.")]
        return valid

    @property
    def building_id(self) -> int | None:
        """The building chosen; None for all the houses."""
        return int(self.building.data) if self.building.data else None
