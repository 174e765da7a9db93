"""The profile's forms: details, password, e-mail, sessions."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import PasswordField
from wtforms.validators import InputRequired, ValidationError

from kabinet import passwords
from kabinet.extensions import db
from kabinet.forms import (
    Form,
    at_most,
    check_new_password,
    email_field,
    name_field,
    new_password_fields,
    phone_field,
)
from kabinet.models import User


def current_password_field():
    return PasswordField(
        _l("Текущий пароль"),
        validators=[InputRequired(_l("Введите текущий пароль.")), at_most(256)],
        render_kw={"autocomplete": "current-password"},
    )


class UserForm(Form):
    """A form about one user, who is known before it validates."""

    def __init__(self, user: User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_current_password(self, field):
        if not self.check_secret("password", f"user:{self.user.id}", lambda: self.user.check_password(field.data)):
            raise ValidationError(_l("Текущий пароль введён неверно."))


class DetailsForm(UserForm):
    """Name and phones."""

    first_name = name_field(_l("Имя"), required=True)
    middle_name = name_field(_l("Отчество"), required=False)
    last_name = name_field(_l("Фамилия"), required=True)
    phone = phone_field(_l("Телефон"), required=True)
    phone_extra = phone_field(_l("Дополнительный телефон"), required=False)


class PasswordForm(UserForm):
    """The current password, then the new one twice."""

    current_password = current_password_field()
    password, password_confirm = new_password_fields(_l("Новый пароль"), _l("Подтверждение пароля"))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        user = self.user
        names = (user.first_name, user.last_name, user.middle_name)
        return (
            check_new_password(
                self.password,
                login=user.login,
                email=user.email,
                names=names,
                min_length=passwords.min_length_for(user),
            )
            and valid
        )


class EmailForm(UserForm):
    """The new address and the current password."""

    email = email_field(_l("Новый e-mail"))
    current_password = current_password_field()

    def validate_email(self, field):
        if field.data.lower() == self.user.email.lower():
            raise ValidationError(_l("Это ваш текущий адрес."))
        if db.session.scalar(select(User.id).where(func.lower(User.email) == field.data.lower())):
            raise ValidationError(_l("Пользователь с таким e-mail уже зарегистрирован."))


class EndSessionsForm(Form):
    """An empty form: ending the other sessions is a POST with the CSRF token."""
