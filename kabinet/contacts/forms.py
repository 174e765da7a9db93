"""The "Обратная связь" form: a name, an e-mail or a phone to answer, the message, and a trap for bots."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from kabinet.forms import (
    ChoosesOrganization,
    Form,
    NormalizedEmail,
    PhoneNumber,
    at_most,
    name_field,
    number_or_none,
    strip,
)

MESSAGE_MAX = 5000


class EmailOrPhone:
    """Accept an e-mail (kept normalized) or a phone (kept in E.164), whichever was typed."""

    def __call__(self, form, field):
        check = NormalizedEmail() if "@" in field.data else PhoneNumber()
        try:
            check(form, field)
        except ValidationError:
            raise ValidationError(
                _l("Укажите e-mail (например, ivan@mail.ru) или телефон (например, +7 912 345-67-89).")
            ) from None


class FeedbackForm(ChoosesOrganization, Form):
    """A message to the company from a tenant or from a visitor who is not logged in."""

    organization = SelectField(_l("Управляющая компания"), coerce=number_or_none, validate_choice=False)
    name = name_field(_l("Ваше имя"), required=True)
    contact = StringField(
        _l("E-mail или телефон"),
        filters=[strip],
        validators=[
            DataRequired(_l("Укажите e-mail или телефон, чтобы мы могли ответить.")),
            at_most(254),
            EmailOrPhone(),
        ],
        render_kw={"autocomplete": "email", "autocapitalize": "none"},
    )
    message = TextAreaField(
        _l("Сообщение"),
        filters=[strip],
        validators=[
            DataRequired(_l("Напишите сообщение.")),
            at_most(MESSAGE_MAX),
        ],
        render_kw={"rows": 6},
    )
    # The honeypot: hidden from people and from screen readers, so only a bot that fills every field fills it.
    website = StringField(_l("Не заполняйте это поле"), render_kw={"tabindex": "-1", "autocomplete": "off"})

    def is_from_a_bot(self) -> bool:
        return bool(self.website.data)
