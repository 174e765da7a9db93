"""Form pieces shared by the features: how a login, an e-mail, a phone, a date and a new password are checked."""

from datetime import date, datetime
from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import DateField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.i18n import get_translations as wtforms_translations
from wtforms.validators import AnyOf, DataRequired, EqualTo, InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import Input
from wtforms.widgets.core import clean_key

from kabinet import limits, passwords
from kabinet.layout import page_locale

LOGIN_PATTERN = r"^[A-Za-z0-9._-]+$"


CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")


def at_most(length: int) -> Length:
    """The validator of a text's length, with the one message every form says it in."""
    return Length(max=length, message=_l("Не длиннее %(max)d символов.", max=length))


def number_or_none(value):
    """A number picked in the form; None for anything else, so that the form's own check explains it."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def strip(value):
    """Trim the spaces a phone keyboard adds around a word."""
    return value.strip() if isinstance(value, str) else value


def drop_control_characters(value):
    """Remove NUL and the other control characters: no one types them, and PostgreSQL refuses a NUL."""
    return value.translate(CONTROL) if isinstance(value, str) else value


QUOTE, ESCAPED_QUOTE = Markup('"'), Markup("&quot;")


def html_params(**attributes) -> Markup:
    """The attributes of a form's <input>, written as WTForms' html_params writes them (sorted, `class_` as `class`,
    `data_`/`aria_` with hyphens, True bare, False left out, names and values escaped, a Markup value's quotes as
    &quot;) without its Markup.format: markupsafe formats through Python's string.Formatter, ~30 calls for each
    attribute (~30 attributes on the login page: ~900 calls). tests/test_page_cost.py compares the two."""
    written = []
    for name, value in sorted(attributes.items()):
        if value is False:
            continue
        name = escape(clean_key(name))
        if value is True:
            written.append(name)
        else:
            written.append(f'{name}="{escape(value).replace(QUOTE, ESCAPED_QUOTE)}"')
    return Markup(" ".join(written))


# WTForms' hook for the attributes of every input widget (text, password, checkbox, hidden...): ours writes the same.
Input.html_params = staticmethod(html_params)


class Form(FlaskForm):
    """The base of every form: each field's input is cleaned of control characters before anything else."""

    limited = False  # a check of a secret in it was refused by the limiter: the page answers 429

    @property
    def http_status(self) -> int:
        """The HTTP status of the page showing this form: 429 when the limiter refused a check of a secret, 400 when
        a date typed in it was refused (kabinet.forms.DayField), else 200. The page shows either way, with the message
        beside the field and what was typed kept."""
        if self.limited:
            return 429
        return 400 if any(isinstance(field, DayField) and field.process_errors for field in self) else 200

    def check_secret(self, kind: str, subjects, verify) -> bool:
        """Check a typed secret through the one limiter (kabinet.limits) from a validator; a refusal is a validation
        error saying when to try again."""
        try:
            return limits.check_secret(kind, subjects, verify)
        except limits.TooManyAttempts as refused:
            self.limited = True
            raise ValidationError(refused.message) from None

    def too_many(self, field, refused: limits.TooManyAttempts) -> None:
        """Show beside the field that the limiter refused its check, and answer 429."""
        self.limited = True
        field.errors.append(refused.message)

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = [drop_control_characters, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, filters=filters, **options)

        def get_translations(self, form):
            # WTForms' own messages ("not a valid choice"...) from its own catalog, in the page's language.
            return _wtforms_catalog(str(page_locale()))


@lru_cache(maxsize=16)
def _wtforms_catalog(language: str):
    # Found once per language: WTForms looks its catalog's file up and gettext copies the catalog for every form made
    # (~230 calls a form; a page with a form makes one or two). The catalog is only read.
    return wtforms_translations([language])


class ButtonForm(Form):
    """An empty form: a button that POSTs with the CSRF token."""


class NormalizedEmail:
    """Check an address with email-validator (no DNS) and keep its normalized form."""

    def __call__(self, form, field):
        try:
            valid = validate_email(field.data or "", check_deliverability=False)
            # An internationalized domain (.рф) is kept in its ASCII form, which every mail server accepts.
            field.data = valid.ascii_email or valid.normalized
        except EmailNotValidError:
            raise ValidationError(_l("Введите адрес электронной почты, например ivan@mail.ru.")) from None


class PhoneNumber:
    """Parse a phone in the installation's region and keep it in E.164 (+79123456789)."""

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            number = phonenumbers.parse(field.data, current_app.config["PHONE_REGION"])
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise ValidationError(_l("Неверный номер телефона. Пример: +7 912 345-67-89."))
        field.data = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def one_of(label, labels: dict, message, *, default=None, required=None) -> RadioField:
    """Radio buttons of `labels` (value: label); anything else is refused with `message`, in the page's words rather
    than WTForms' «Not a valid choice» — and a missing choice with `required` when given."""
    validators = [InputRequired(required)] if required else []
    return RadioField(
        label,
        choices=[SelectChoice(value, text) for value, text in labels.items()],
        default=default,
        validators=[*validators, AnyOf(list(labels), message=message)],
        validate_choice=False,
    )


def login_field(label=_l("Логин"), required=True):
    """A login of the house's format; `required=False` lets it be left empty (the e-mail is the login then)."""
    return StringField(
        label,
        filters=[strip],
        validators=[
            DataRequired(_l("Укажите логин.")) if required else Optional(),
            Length(min=3, max=32, message=_l("Логин должен содержать от 3 до 32 символов.")),
            Regexp(
                LOGIN_PATTERN, message=_l("Логин может содержать только латинские буквы, цифры, точку, дефис и «_».")
            ),
        ],
    )


def identifier_field(label=_l("Логин или E-mail"), message=_l("Укажите логин или e-mail.")):
    """Who the user says they are: a login or an e-mail, looked up without regard to case."""
    return StringField(
        label,
        filters=[strip],
        validators=[DataRequired(message), at_most(254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )


def code_field(label, message, max_length):
    """A one-time code read from an e-mail and typed by hand."""
    return StringField(
        label,
        filters=[strip],
        validators=[DataRequired(message), at_most(max_length)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters"},
    )


def email_field(label=_l("E-mail")):
    return StringField(
        label,
        filters=[strip],
        validators=[DataRequired(_l("Укажите e-mail.")), at_most(254), NormalizedEmail()],
        render_kw={"type": "email", "autocomplete": "email", "inputmode": "email"},
    )


def phone_field(label, required):
    presence = DataRequired(_l("Укажите телефон.")) if required else Optional()
    return StringField(
        label,
        filters=[strip],
        validators=[presence, Length(max=32, message=_l("Слишком длинный номер.")), PhoneNumber()],
        render_kw={"type": "tel", "autocomplete": "tel", "inputmode": "tel"},
    )


def name_field(label, required):
    presence = DataRequired(_l("Заполните это поле.")) if required else Optional()
    return StringField(
        label, filters=[strip], validators=[presence, at_most(64)]
    )


DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]  # the browser's date picker, and a date typed by hand
# The calendar a typed date must fall in: year 1 or 9999 is nobody's meter or request, and the arithmetic on it (the
# next day, a time zone's offset, the next month) would overflow.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)
DATE_OUT_OF_RANGE = _l("Укажите дату с 1900 по 2100 год.")


class DateOutOfRange(ValueError):
    """A real date outside FIRST_DAY..LAST_DAY."""


def read_date(text: str, formats=DATE_FORMATS) -> date:
    """The date `text` writes in one of `formats` ("%Y-%m": the month's first day), within FIRST_DAY..LAST_DAY;
    ValueError when it writes none, DateOutOfRange when it writes one outside them."""
    for format in formats:
        try:
            day = datetime.strptime(text, format).date()
        except ValueError:
            continue
        if not FIRST_DAY <= day <= LAST_DAY:
            raise DateOutOfRange(DATE_OUT_OF_RANGE)
        return day
    raise ValueError(text)


class DayField(DateField):
    """A date typed in a form, read by read_date: text that is no date, or a date outside 1900–2100, is refused
    beside the field (the first with `invalid_value_message`, WTForms' "Not a valid date value." by default)."""

    def __init__(self, label=None, validators=None, format=DATE_FORMATS, **kwargs):
        super().__init__(label, validators, format=format, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return  # not sent: the default stays
        self.data = None
        text = " ".join(valuelist).strip()
        if not text:
            return  # left empty: Optional or InputRequired says whether it may be
        try:
            self.data = read_date(text, self.strptime_format)
        except DateOutOfRange:
            raise
        except ValueError:
            super().process_formdata(valuelist)  # no date in it: WTForms refuses it, in its own words


def new_password_fields(label=_l("Пароль"), confirm_label=_l("Повторите пароль")):
    """A new password and its repetition; the rules run in check_new_password() once the form knows the user."""
    password = PasswordField(
        label,
        validators=[InputRequired(_l("Введите пароль.")), at_most(256)],
        render_kw={"autocomplete": "new-password", "data-password-strength": "true"},
    )
    confirm = PasswordField(
        confirm_label,
        validators=[InputRequired(_l("Повторите пароль.")), EqualTo("password", message=_l("Пароли не совпадают."))],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


def check_new_password(field, *, login="", email="", names=(), min_length=None) -> bool:
    """Add the password rules' complaints to the field; True when there are none."""
    if field.errors or not field.data:
        return not field.errors
    verdict = passwords.check(field.data, login=login, email=email, names=names, min_length=min_length)
    field.errors = [*field.errors, *verdict.problems]
    return verdict.ok


class ChoosesOrganization:
    """The part of a form whose `organization` field picks one of the organizations offered (a tenant's own, when
    their accounts are in several)."""

    def offer(self, organizations, wanted: int | None) -> None:
        """Offer these organizations, `wanted` picked when it is one of them, else the first."""
        self.organization.choices = [SelectChoice(o.id, o.name) for o in organizations]
        offered = [choice.value for choice in self.organization.choices]
        if len(offered) == 1:  # not shown: there is nobody else to write to
            self.organization.data = offered[0]
        elif self.organization.data is None:
            self.organization.data = wanted if wanted in offered else offered[0]

    def validate_organization(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Выберите организацию из предложенных."))
