"""The login form ("Авторизация")."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from kabinet.forms import Form, at_most, identifier_field


class LoginForm(Form):
    """Login or e-mail, password and "remember me"."""

    login = identifier_field(_l("Логин"))
    password = PasswordField(
        _l("Пароль"),
        validators=[DataRequired(_l("Введите пароль.")), at_most(256)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Запомнить меня на этом компьютере"))
    next = HiddenField()


class LogoutForm(Form):
    """An empty form: logout is a POST carrying the CSRF token."""


class PasswordCheckForm(Form):
    """What the strength indicator sends: the password and the user's own words it must not contain."""

    password = PasswordField(validators=[Length(max=256)])
    login = StringField(validators=[Length(max=254)])
    email = StringField(validators=[Length(max=254)])
    first_name = StringField(validators=[Length(max=64)])
    middle_name = StringField(validators=[Length(max=64)])
    last_name = StringField(validators=[Length(max=64)])


class SecondFactorForm(Form):
    """The 6-digit code from the authenticator app, or one of the recovery codes."""

    code = StringField(
        _l("Код подтверждения"),
        validators=[DataRequired(_l("Введите код из приложения или код восстановления.")), at_most(32)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters", "autofocus": True},
    )
