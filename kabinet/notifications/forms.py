"""The forms of notifications: a user's choices (kinds × channels) and an organization's notices."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DecimalField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from kabinet.forms import Form
from kabinet.notifications.services import KINDS


def field_name(kind: str, channel: str) -> str:
    """The checkbox of one (kind, channel)."""
    return f"{kind}__{channel}"


def choices_form(channels: tuple[str, ...], wanted: dict[tuple[str, str], bool]) -> Form:
    """The profile's «Уведомления» form: a checkbox per kind and per channel shown, ticked as the user wants now."""

    class ChoicesForm(Form):
        """A checkbox per (kind, channel); an unticked box is a kind turned off."""

        def chosen(self) -> dict[tuple[str, str], bool]:
            """The ticks as (kind, channel) -> on, for the channels the page showed."""
            return {(kind, channel): self[field_name(kind, channel)].data for kind in KINDS for channel in channels}

    for kind, about in KINDS.items():
        for channel in channels:
            setattr(ChoicesForm, field_name(kind, channel), BooleanField(about.label, default=wanted[kind, channel]))
    return ChoicesForm()


class NoticesForm(Form):
    """«Уведомления жителям»: which reminders the organization sends, the debt reminder's day and threshold."""

    debt_day = IntegerField(
        _l("День месяца для напоминания о долге"),
        validators=[
            InputRequired(_l("Укажите день месяца: число от 1 до 31.")),
            NumberRange(1, 31, _l("День месяца — число от 1 до 31.")),
        ],
    )
    debt_minimum = DecimalField(
        _l("Напоминать, если долг не меньше"),
        places=2,
        validators=[
            InputRequired(_l("Укажите сумму долга, например 100 или 0.")),
            NumberRange(0, 10**9, _l("Сумма — от 0 до 1 000 000 000.")),
        ],
    )


def notices_form(kinds_on: dict[str, bool], **kwargs) -> NoticesForm:
    """The organization's form with a checkbox per scheduled reminder, ticked as it sends now."""

    class Form(NoticesForm):
        """NoticesForm with its reminders' checkboxes."""

        def sends(self) -> dict[str, bool]:
            """The ticks as kind -> sent."""
            return {kind: self[f"send_{kind}"].data for kind in kinds_on}

    for kind, on in kinds_on.items():
        setattr(Form, f"send_{kind}", BooleanField(KINDS[kind].label, default=on))
    return Form(**kwargs)
