"""The organization's settings form, checked as a bank checks requisites, a house's address, and the notices to
tenants."""

import re
from decimal import Decimal, InvalidOperation
from functools import cache
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, StopValidation, ValidationError

from kabinet import requisites
from kabinet.forms import Form, NormalizedEmail, at_most, strip
from kabinet.models import Building, Organization
from kabinet.models.organization import PHONE_SEPARATORS
from kabinet.notifications import KINDS
from kabinet.organizations import COUNTRY_NAMES, LABELS, labels
from kabinet.staff.organization.services import address_taken

PHONE = re.compile(r"\+?[\d\s().-]+")
DAY_OF_MONTH = _l("Укажите число месяца от 1 до 31.")
ADDRESS_TAKEN = _l("У организации уже есть дом с таким адресом.")
KAZAKH = labels("KZ")


def without_spaces(value):
    """Numbers copied from a bank's letter come with spaces: "40702 810 8 1835 0001234"."""
    return "".join(value.split()) if isinstance(value, str) else value


def plain_lines(value):
    """A browser sends a textarea's line breaks as CRLF; the text is kept, and e-mailed, with plain ones."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def upper(value):
    """КПП's, ИИК's and a SWIFT БИК's letters are Latin capitals; "7736ab001" typed is "7736AB001" meant."""
    return value.upper() if isinstance(value, str) else value


class Requisite:
    """Check a field with one of kabinet.requisites' check_* functions (which read the БИК where they need it)."""

    def __init__(self, check, with_bic=False):
        self.check, self.with_bic = check, with_bic

    def __call__(self, form, field):
        arguments = (field.data, form.bic.data or "") if self.with_bic else (field.data,)
        try:
            self.check(*arguments)
        except requisites.Invalid as invalid:
            raise ValidationError(invalid.message) from None


def _is_phone(text: str) -> bool:
    """A phone as people write it: digits with +, spaces, brackets, dots or dashes; 5 digits (a local number) to 15."""
    return bool(PHONE.fullmatch(text)) and 5 <= sum(c.isdigit() for c in text) <= 15


def phones_only(form, field):
    """Phones, separated by commas or semicolons, each of digits and the usual signs."""
    if not all(_is_phone(p.strip()) for p in PHONE_SEPARATORS.split(field.data) if p.strip()):
        raise ValidationError(_l("Телефоны пишите через запятую, цифрами, например: +7 (3952) 599-018, 25-25-25."))


def one_phone(form, field):
    """One phone: the dispatch service's, which a tenant dials in an emergency."""
    if not _is_phone(field.data):
        raise ValidationError(_l("Укажите один телефон цифрами, например +7 (3952) 599-019."))


def text_field(name, max_length, *validators, **kwargs):
    """A setting typed as a line of text; empty allowed unless a validator says otherwise."""
    limit = at_most(max_length)
    return StringField(LABELS[name], filters=[strip], validators=[*validators, limit], **kwargs)


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zone(form, field):
    """An IANA time zone the server knows, as "Asia/Almaty" is written."""
    if field.data not in _time_zones():
        raise ValidationError(_l("Укажите часовой пояс так, как его пишут в базе IANA, например Asia/Almaty."))


def number_field(name, check, with_bic=False, filters=(), label_set=LABELS, keyboard="numeric"):
    """A requisite made of digits (an ИИК or a SWIFT БИК of letters too: keyboard "text"), checked only when typed: a
    company fills its requisites over time."""
    return StringField(
        label_set[name],
        filters=[without_spaces, *filters],
        validators=[Optional(), Requisite(check, with_bic)],
        render_kw={"inputmode": keyboard, "autocomplete": "off"},
    )


class DayOfMonthField(IntegerField):
    """A day of the month typed as a number; anything else is refused beside the field in our words."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(DAY_OF_MONTH) from None


def day_field(name):
    """One end of the readings window, a day of the month (both ends required; «с» after «по» crosses the month)."""
    return DayOfMonthField(
        LABELS[name],
        validators=[InputRequired(DAY_OF_MONTH), NumberRange(min=1, max=31, message=DAY_OF_MONTH)],
        render_kw={"inputmode": "numeric"},
    )


class OrganizationForm(Form):
    """Everything a receipt, the contacts page, the readings page, registration and e-mails need of the company; the
    requisites are its country's (RussianSettings, KazakhSettings)."""

    name = text_field("name", 255, DataRequired(_l("Укажите наименование: его видят жители и банк.")))
    # Changing the country shows the other country's requisites: they are typed after the change is saved.
    country = SelectField(LABELS["country"], choices=[SelectChoice(code, name) for code, name in COUNTRY_NAMES.items()])
    timezone = text_field("timezone", 64, DataRequired(_l("Укажите часовой пояс, например Asia/Almaty.")), time_zone)
    bank_name = text_field("bank_name", 255)
    address = text_field("address", 255)
    phones = text_field("phones", 255, Optional(), phones_only, render_kw={"type": "tel", "autocomplete": "off"})
    dispatch_phone = text_field(
        "dispatch_phone", 64, Optional(), one_phone, render_kw={"type": "tel", "autocomplete": "off"}
    )
    email = text_field("email", 254, Optional(), NormalizedEmail(), render_kw={"type": "email", "inputmode": "email"})
    opening_hours = text_field("opening_hours", 255)
    readings_from_day = day_field("readings_from_day")
    readings_until_day = day_field("readings_until_day")
    agreement = TextAreaField(
        LABELS["agreement"],
        filters=[strip, plain_lines],
        validators=[at_most(20000)],
        render_kw={"rows": 12},
    )
    email_signature = TextAreaField(
        LABELS["email_signature"],
        filters=[strip, plain_lines],
        validators=[at_most(1000)],
        render_kw={"rows": 4},
    )

    def values(self) -> dict:
        """The settings as typed, by the Organization's attribute names."""
        return {name: self[name].data for name in LABELS if name in self}


class RussianSettings(OrganizationForm):
    """A Russian organization's settings: ИНН, КПП, ОГРН, БИК and the accounts checked by it."""

    inn = number_field("inn", requisites.check_inn)
    kpp = number_field("kpp", requisites.check_kpp, filters=[upper])
    ogrn = number_field("ogrn", requisites.check_ogrn)
    bic = number_field("bic", requisites.check_bic)
    settlement_account = number_field("settlement_account", requisites.check_settlement_account, with_bic=True)
    correspondent_account = number_field("correspondent_account", requisites.check_correspondent_account, with_bic=True)


class KazakhSettings(OrganizationForm):
    """A Kazakh organization's settings: БИН, the bank's БИК, ИИК, Кбе and КНП."""

    inn = number_field("inn", requisites.check_bin, label_set=KAZAKH)
    bic = number_field("bic", requisites.check_swift_bic, False, [upper], KAZAKH, "text")
    settlement_account = number_field("settlement_account", requisites.check_iik, False, [upper], KAZAKH, "text")
    kbe = number_field("kbe", requisites.check_kbe)
    knp = number_field("knp", requisites.check_knp)


# The settings form by the organization's country (Organization.country).
SETTINGS_FORMS = {"RU": RussianSettings, "KZ": KazakhSettings}


class HouseForm(Form):
    """A house's address, unique within the organization."""

    address = StringField(
        _l("Адрес дома"),
        filters=[strip],
        validators=[
            DataRequired(_l("Укажите адрес дома.")),
            at_most(255),
        ],
    )

    def __init__(self, organization: Organization, house: Building | None = None, *args, **kwargs):
        super().__init__(*args, obj=house, **kwargs)
        self.organization, self.house = organization, house

    def validate_address(self, field):
        if address_taken(self.organization, field.data, self.house):
            raise ValidationError(ADDRESS_TAKEN)


AMOUNT = _l("Укажите сумму в рублях или тенге, например 100 или 99,50.")
MAX_DEBT_MINIMUM = Decimal("1000000000")


class AmountField(StringField):
    """An amount of money typed as people type it ("1 500,50"), kept as typed and read as a Decimal of kopecks."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.amount = None
        text = (self.data or "").replace(" ", "").replace("\u00a0", "").replace(",", ".")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            return
        if amount.is_finite() and 0 <= amount <= MAX_DEBT_MINIMUM and amount == round(amount, 2):
            self.amount = amount

    def _value(self) -> str:
        """A stored amount as a Russian reader writes it: 100,00."""
        return f"{self.data:f}".replace(".", ",") if isinstance(self.data, Decimal) else super()._value()

    def pre_validate(self, form):
        if self.raw_data is not None and self.amount is None:
            raise StopValidation(AMOUNT)


class NoticesForm(Form):
    """«Уведомления жителям»: which reminders the organization sends, the debt reminder's day and threshold."""

    debt_day = DayOfMonthField(
        _l("День месяца для напоминания о долге"),
        validators=[InputRequired(DAY_OF_MONTH), NumberRange(min=1, max=31, message=DAY_OF_MONTH)],
        render_kw={"inputmode": "numeric"},
    )
    debt_minimum = AmountField(
        _l("Напоминать, если долг не меньше"),
        validators=[at_most(16)],
        render_kw={"inputmode": "decimal"},
    )


def notices_form(kinds_on: dict[str, bool], **kwargs) -> NoticesForm:
    """The organization's form with a checkbox per scheduled reminder, ticked as it sends now."""

    class Notices(NoticesForm):
        """NoticesForm with its reminders' checkboxes."""

        def sends(self) -> dict[str, bool]:
            """The ticks as kind -> sent."""
            return {kind: self[f"send_{kind}"].data for kind in kinds_on}

    for kind, on in kinds_on.items():
        setattr(Notices, f"send_{kind}", BooleanField(KINDS[kind].label, default=on))
    return Notices(**kwargs)
