"""The recovery request form and the "Смена пароля" form."""

from flask_babel import lazy_gettext as _l

from kabinet import messages, passwords
from kabinet.forms import Form, check_new_password, code_field, identifier_field, new_password_fields
from kabinet.recovery import services
from kabinet.recovery.services import Outcome


class RequestForm(Form):
    """Login or e-mail of the user who forgot the password."""

    login = identifier_field()


class ChangeForm(Form):
    """Login, control string and the new password twice."""

    login = identifier_field(_l("Логин"), _l("Укажите логин."))
    control = code_field(_l("Контрольная строка"), _l("Введите контрольную строку из письма."), max_length=64)
    password, password_confirm = new_password_fields(_l("Новый пароль"), _l("Подтверждение пароля"))

    user = None

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        outcome, self.user = services.check_control(self.login.data, self.control.data)
        if outcome is Outcome.WRONG:
            self.control.errors.append(str(messages.RESET_WRONG.text))
            return False
        if outcome is Outcome.EXPIRED:
            self.control.errors.append(str(messages.RESET_EXPIRED.text))
            return False
        names = (self.user.first_name, self.user.last_name, self.user.middle_name)
        return check_new_password(
            self.password,
            login=self.user.login,
            email=self.user.email,
            names=names,
            min_length=passwords.min_length_for(self.user),
        )
