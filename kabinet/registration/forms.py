"""The registration form ("Регистрация") and the confirmation forms."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from wtforms import BooleanField
from wtforms.validators import DataRequired, ValidationError

from kabinet.extensions import db
from kabinet.forms import (
    Form,
    check_new_password,
    code_field,
    email_field,
    identifier_field,
    login_field,
    name_field,
    new_password_fields,
    phone_field,
)
from kabinet.models import User


class RegistrationForm(Form):
    """A new tenant's login, password, name, e-mail and phones, and their consent to the agreement."""

    # Optional, as the manual's e-mail-as-login: the label stays «Логин» (what the login form and password managers
    # know it by), the help says it may be left empty.
    login = login_field(_l("Логин"), required=False)
    password, password_confirm = new_password_fields()
    first_name = name_field(_l("Имя"), required=True)
    middle_name = name_field(_l("Отчество"), required=False)
    last_name = name_field(_l("Фамилия"), required=True)
    email = email_field()
    phone = phone_field(_l("Телефон"), required=True)
    phone_extra = phone_field(_l("Дополнительный телефон"), required=False)
    agree = BooleanField(
        _l("Я согласен с условиями соглашения"),
        validators=[DataRequired(_l("Чтобы зарегистрироваться, примите условия соглашения."))],
    )

    names_taken = False  # the answer tells that a login or an e-mail is registered: counted like a registration

    def validate_login(self, field):
        if db.session.scalar(select(User.id).where(func.lower(User.login) == field.data.lower())):
            self.names_taken = True
            raise ValidationError(_l("Этот логин уже занят. Выберите другой или восстановите пароль."))

    def validate_email(self, field):
        # Another user's login may be an e-mail too (theirs before they changed it): it cannot be this one's login.
        email = field.data.lower()
        taken = or_(func.lower(User.email) == email, func.lower(User.login) == email)
        if db.session.scalar(select(User.id).where(taken)):
            self.names_taken = True
            raise ValidationError(_l("Пользователь с таким e-mail уже зарегистрирован. Восстановите пароль."))

    @property
    def chosen_login(self) -> str:
        """The login the tenant typed; left empty, their e-mail is the login."""
        return self.login.data or self.email.data or ""

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        names = (self.first_name.data or "", self.last_name.data or "", self.middle_name.data or "")
        return (
            check_new_password(self.password, login=self.chosen_login, email=self.email.data or "", names=names)
            and valid
        )


class ConfirmCodeForm(Form):
    """Login and the code from the confirmation e-mail."""

    login = identifier_field(_l("Логин"), _l("Укажите логин."))
    code = code_field(_l("Код подтверждения"), _l("Введите код из письма."), max_length=32)


class ResendForm(Form):
    """Login or e-mail of a user who lost the confirmation e-mail."""

    login = identifier_field()
