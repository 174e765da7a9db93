"""The profile's «Уведомления» form: a user's choices, kinds × channels."""

from wtforms import BooleanField

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
