"""The recovery request form and the "Смена пароля" form."""

from flask_babel import lazy_gettext as _l

from kabinet import messages, passwords
from kabinet.forms import Form, check_new_password, code_field, identifier_field, new_password_fields
from kabinet.limits import TooManyAttempts
from kabinet.models import User
from kabinet.recovery import services
from kabinet.recovery.services import Outcome


class RequestForm(Form):
    """Login or e-mail of the user who forgot the password."""

    login = identifier_field()


class ChangeForm(Form):
    """Login, control string and the new password twice; after the e-mailed link, only the new password."""

    login = identifier_field(_l("Логин"), _l("Укажите логин."))
    control = code_field(_l("Контрольная строка"), _l("Введите контрольную строку из письма."), max_length=64)
    password, password_confirm = new_password_fields(_l("Новый пароль"), _l("Подтверждение пароля"))

    def __init__(self, *args, granted: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = granted
        if granted is not None:  # the link stood for the login and the control string
            del self.login
            del self.control

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if "control" in self:
            try:
                outcome, self.user = services.check_control(self.login.data, self.control.data)
            except TooManyAttempts as refused:
                self.too_many(self.control, refused)
                return False
            if outcome is not Outcome.VALID:
                self.control.errors.append(str(OUTCOME_ERRORS[outcome].text))
                return False
        names = (self.user.first_name, self.user.last_name, self.user.middle_name)
        return check_new_password(
            self.password,
            login=self.user.login,
            email=self.user.email,
            names=names,
            min_length=passwords.min_length_for(self.user),
        )


OUTCOME_ERRORS = {Outcome.WRONG: messages.RESET_WRONG, Outcome.EXPIRED: messages.RESET_EXPIRED}
