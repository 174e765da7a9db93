"""The forms of the binding wizard ("Привязать лицевой счет") and of unbinding."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from kabinet.accounts.addresses import Typed
from kabinet.forms import Form, at_most, code_field, email_field, number_or_none, strip

WAYS = [SelectChoice("number", _l("По лицевому счету")), SelectChoice("address", _l("По адресу"))]
ROLES = [SelectChoice("owner", _l("Собственник")), SelectChoice("resident", _l("Житель"))]


class WayForm(Form):
    """Step 1: how to bind, and with which company where the installation serves several."""

    way = RadioField(_l("Способ привязки"), choices=WAYS, validators=[InputRequired(_l("Выберите способ."))])
    organization = SelectField(_l("Управляющая компания"), coerce=int)


class CodeWordForm(Form):
    """Step 2 by account: the account number and the code word from the company's letter."""

    number = StringField(
        _l("Лицевой счет"),
        filters=[strip],
        validators=[DataRequired(_l("Укажите номер лицевого счета.")), Length(max=32)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    code_word = code_field(_l("Кодовое слово"), _l("Введите кодовое слово из письма компании."), max_length=64)


class AddressForm(Form):
    """Step 2 by address: the house and the apartment or premises."""

    building = SelectField(_l("Дом"), coerce=int, validators=[InputRequired(_l("Выберите дом."))])
    premises = StringField(
        _l("Квартира или помещение"),
        filters=[strip],
        validators=[DataRequired(_l("Укажите номер квартиры или помещения.")), Length(max=16)],
    )


class ChooseForm(Form):
    """Step 3: the accounts to bind (by account) and the role."""

    accounts = SelectMultipleField(
        _l("Лицевые счета"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Отметьте хотя бы один лицевой счет."))],
        validate_choice=False,  # checked below, with a message a tenant understands
    )
    role = RadioField(_l("Кем вы приходитесь"), choices=ROLES, validators=[InputRequired(_l("Выберите роль."))])

    def validate_accounts(self, field):
        offered = {choice.value for choice in field.choices}
        if not set(field.data) <= offered:
            raise ValidationError(_l("Выберите лицевые счета из предложенных."))


class ConfirmForm(Form):
    """Step 4 and unbinding: an empty form, a POST with the CSRF token."""


class NewAddressForm(Form):
    """The first-login address form («Создать»): city, street, house, apartment, and owner or resident."""

    city = StringField(
        _l("Город"), filters=[strip], validators=[DataRequired(_l("Укажите город.")), at_most(64)]
    )
    street = StringField(
        _l("Улица"),
        filters=[strip],
        validators=[DataRequired(_l("Укажите улицу или микрорайон.")), at_most(128)],
    )
    house = StringField(
        _l("Дом"), filters=[strip], validators=[DataRequired(_l("Укажите номер дома.")), at_most(16)]
    )
    premises = StringField(
        _l("Квартира или помещение"),
        filters=[strip],
        validators=[DataRequired(_l("Укажите номер квартиры или помещения.")), at_most(16)],
    )
    role = RadioField(_l("Кем вы приходитесь"), choices=ROLES, validators=[InputRequired(_l("Выберите роль."))])

    @property
    def typed(self):
        """The address as typed, for kabinet.accounts.addresses."""
        return Typed(self.city.data, self.street.data, self.house.data)


class ContinueForm(NewAddressForm):
    """The typed address again (hidden), the house found for it, and how to bind: by code word or by address."""

    building = RadioField(
        _l("Дом"),
        coerce=number_or_none,
        validators=[InputRequired(_l("Выберите дом."))],
        validate_choice=False,  # checked below, with a message a tenant understands
    )
    way = RadioField(_l("Способ привязки"), choices=WAYS, validators=[InputRequired(_l("Выберите способ."))])

    def validate_building(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Выберите дом из найденных по вашему адресу."))


class WaitForm(NewAddressForm):
    """The typed address again (hidden) and the e-mail to tell when the house's organization joins."""

    email = email_field()
