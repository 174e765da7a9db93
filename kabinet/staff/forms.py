"""The audit log's filters."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from kabinet.forms import DayField, Form, at_most, strip
from kabinet.staff.journal import LogFilter, label


class AuditFilterForm(Form):
    """Narrow the log by action, login, address and period (a GET form: a filtered log can be bookmarked)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Событие"), default="")
    login = StringField(_l("Логин"), filters=[strip], validators=[Optional(), at_most(254)])
    ip = StringField(
        _l("IP-адрес"),
        filters=[strip],
        validators=[Optional(), at_most(45)],
        description=_l("Можно начало адреса: 10.0."),
    )
    since = DayField(_l("С"), validators=[Optional()])
    until = DayField(_l("по"), validators=[Optional()])

    def __init__(self, actions: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [
            SelectChoice("", _l("Все")),
            *(SelectChoice(action, label(action)) for action in actions),
        ]

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("Конец периода раньше его начала."))

    def chosen(self) -> LogFilter:
        """The filters to apply: a field with an error counts as not filled."""

        def kept(field, default):
            return default if field.errors else (field.data or default)

        return LogFilter(
            action=kept(self.action, ""),
            login=kept(self.login, ""),
            ip=kept(self.ip, ""),
            since=kept(self.since, None),
            until=kept(self.until, None),
        )
