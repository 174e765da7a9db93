"""The team's forms: an invitation, a role, the 2FA switch, an executor's name, a TOTP code, the first password."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from kabinet import passwords
from kabinet.extensions import db
from kabinet.forms import (
    LOGIN_PATTERN,
    Form,
    at_most,
    check_new_password,
    email_field,
    name_field,
    new_password_fields,
    strip,
)
from kabinet.models import User
from kabinet.models.user import STAFF_ROLES
from kabinet.staff.access import ROLE_NAMES


def role_choices():
    return [(role, ROLE_NAMES[role]) for role in STAFF_ROLES]


class InviteForm(Form):
    """Whom to invite: e-mail, names, role; a login of one's choosing, or one made of the e-mail."""

    email = email_field()
    first_name = name_field(_l("Имя"), required=True)
    last_name = name_field(_l("Фамилия"), required=True)
    role = RadioField(_l("Роль"), choices=role_choices, default="dispatcher")
    login = StringField(
        _l("Логин"),
        filters=[strip],
        validators=[
            Optional(),
            Length(min=3, max=32, message=_l("Логин должен содержать от 3 до 32 символов.")),
            Regexp(
                LOGIN_PATTERN, message=_l("Логин может содержать только латинские буквы, цифры, точку, дефис и «_».")
            ),
        ],
    )

    def validate_email(self, field):
        if db.session.scalar(select(User.id).where(func.lower(User.email) == field.data.lower())):
            raise ValidationError(_l("Пользователь с таким e-mail уже зарегистрирован."))

    def validate_login(self, field):
        if field.data and db.session.scalar(select(User.id).where(func.lower(User.login) == field.data.lower())):
            raise ValidationError(_l("Этот логин уже занят."))


class RoleForm(Form):
    """Another role for one staff user."""

    role = SelectField(_l("Роль"), choices=role_choices)


class ActionForm(Form):
    """An empty form: block, unblock, deactivate are POSTs carrying the CSRF token."""


class RequireSecondFactorForm(Form):
    """The organization's rule: every staff user logs in with a second factor."""

    required = BooleanField(_l("Требовать двухфакторную аутентификацию от всех сотрудников"))


class ExecutorForm(Form):
    """An executor's name as the dispatcher will pick it."""

    name = StringField(
        _l("Исполнитель"),
        filters=[strip],
        validators=[
            DataRequired(_l("Укажите имя или название исполнителя.")),
            at_most(128),
        ],
    )


class CodeForm(Form):
    """A code from the authenticator app (or a recovery code, to turn the second factor off)."""

    code = StringField(
        _l("Код из приложения"),
        filters=[strip],
        validators=[DataRequired(_l("Введите код из приложения.")), at_most(32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class InvitationForm(Form):
    """The invited staff user's first password, twice."""

    password, password_confirm = new_password_fields()

    def __init__(self, user: User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        user = self.user
        return (
            check_new_password(
                self.password,
                login=user.login,
                email=user.email,
                names=(user.first_name, user.last_name),
                min_length=passwords.min_length_for(user),
            )
            and valid
        )
