"""The forms of the accounts area: search, replacing a meter, correcting a reading, code words, binding decisions."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from kabinet.forms import DayField, Form, at_most, strip
from kabinet.readings.services import KIND_NAMES, InvalidReading, parse
from kabinet.staff.accounts.services import Replacement


class ReadingValue:
    """A meter reading typed as the tenants type it (123,456); the field's data becomes a Decimal."""

    def __call__(self, form, field):
        try:
            field.data = parse(field.data or "")
        except InvalidReading as exc:
            raise ValidationError(str(exc)) from None


def reading_field(label):
    return StringField(
        label,
        filters=[strip],
        validators=[DataRequired(_l("Введите показание.")), ReadingValue()],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )


class SearchForm(Form):
    """Find an account: its number, the address (house and apartment) or the owner's name."""

    class Meta:
        csrf = False  # a GET search, bookmarkable

    q = StringField(_l("Номер, адрес или собственник"), filters=[strip], validators=[Optional(), at_most(100)])


class ReplaceMeterForm(Form):
    """The old meter's final reading and the new meter with its initial reading, on the day of the replacement."""

    replaced_on = DayField(_l("Дата замены"), validators=[InputRequired(_l("Укажите дату замены."))])
    final_value = reading_field(_l("Последнее показание старого счетчика"))
    serial = StringField(
        _l("Заводской номер нового счетчика"),
        filters=[strip],
        validators=[
            DataRequired(_l("Укажите заводской номер.")),
            at_most(64),
        ],
    )
    kind = SelectField(_l("Вид"), choices=[SelectChoice(k, v) for k, v in KIND_NAMES.items()])
    verification_due = DayField(_l("Дата следующей поверки"), validators=[Optional()])
    initial_value = reading_field(_l("Начальное показание нового счетчика"))

    def __init__(self, *args, taken_serials=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.taken_serials = {serial.lower() for serial in taken_serials}

    def validate_serial(self, field):
        if field.data.lower() in self.taken_serials:
            raise ValidationError(_l("У этого лицевого счета уже есть счетчик с таким номером."))

    def replacement(self) -> Replacement:
        return Replacement(
            replaced_on=self.replaced_on.data,
            final_value=self.final_value.data,
            serial=self.serial.data,
            kind=self.kind.data,
            verification_due=self.verification_due.data,
            initial_value=self.initial_value.data,
        )


class CorrectReadingForm(Form):
    """A reading's right value and why it changes: the tenant sees both in the meter's history."""

    value = reading_field(_l("Правильное показание"))
    reason = StringField(
        _l("Причина исправления"),
        filters=[strip],
        validators=[DataRequired(_l("Укажите причину.")), at_most(255)],
    )


class GenerateCodeWordsForm(Form):
    """The house whose accounts without a code word get one, with the letters to print."""

    building = SelectField(_l("Дом"), coerce=int, validators=[InputRequired(_l("Выберите дом."))])


class ApproveBindingForm(Form):
    """The account the tenant asked for, among the accounts of that house."""

    account = SelectField(_l("Лицевой счет"), coerce=int, validators=[InputRequired(_l("Выберите лицевой счет."))])


class RejectBindingForm(Form):
    """Why the request is refused: the tenant reads it in the cabinet."""

    reason = StringField(
        _l("Причина отказа"),
        filters=[strip],
        validators=[
            DataRequired(_l("Укажите причину отказа.")),
            at_most(500),
        ],
    )


class ActionForm(Form):
    """An action without fields (unbind, a new code word): a POST with the CSRF token."""
