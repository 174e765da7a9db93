"""The forms of signing in through a provider: the buttons, the registration of a new person, a first password."""

from flask_babel import lazy_gettext as _l

from kabinet import passwords
from kabinet.forms import Form, check_new_password, new_password_fields
from kabinet.registration.forms import RegistrationForm


class ButtonForm(Form):
    """An empty form: a provider's button (log in, link, unlink) is a POST carrying the CSRF token."""


class SocialRegistrationForm(RegistrationForm):
    """The registration form without the password: the provider is how this person logs in (a password may follow)."""

    password = password_confirm = None

    def validate(self, extra_validators=None):
        return Form.validate(self, extra_validators)  # the fields' own checks, with login and e-mail uniqueness


class FirstPasswordForm(Form):
    """A first password for a user who registered through a provider: there is no current one to ask."""

    password, password_confirm = new_password_fields(_l("Новый пароль"), _l("Подтверждение пароля"))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        user = self.user
        names = (user.first_name, user.last_name, user.middle_name)
        min_length = passwords.min_length_for(user)
        return (
            check_new_password(self.password, login=user.login, email=user.email, names=names, min_length=min_length)
            and valid
        )
