"""The readings form: one optional field per meter of the account, and the unusual values the tenant confirmed."""

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import Length, Optional

from kabinet.forms import Form, strip
from kabinet.readings import services
from kabinet.readings.services import InvalidReading, MeterState, Unusual


def field_name(state: MeterState) -> str:
    return f"meter_{state.meter.id}"


def confirmation(found: list[Unusual]) -> str:
    """What the tenant confirms: these meters with these very values, so that a changed value is asked about anew."""
    return ";".join(f"{u.state.meter.id}={u.value}" for u in found)


class ReadingsForm(Form):
    """New values for the account's meters (an empty field skips its meter); unusual ones need a confirmation."""

    confirmed = HiddenField()

    @classmethod
    def for_meters(cls, states: list[MeterState], **kwargs) -> "ReadingsForm":
        fields = {
            field_name(state): StringField(
                _l("Новое показание, %(unit)s", unit=state.meter.unit),
                filters=[strip],
                validators=[Optional(), Length(max=32, message=_l("Слишком длинное значение."))],
                render_kw={"inputmode": "decimal", "autocomplete": "off"},
            )
            for state in states
        }
        form = type("AccountReadingsForm", (cls,), fields)(**kwargs)
        form.states, form.values = states, {}
        return form

    def meter_field(self, state: MeterState):
        return self[field_name(state)]

    def refused(self) -> list[tuple[MeterState, object]]:
        """The meters whose value was not accepted, with their field, in the page's order: the summary links them."""
        return [(state, self.meter_field(state)) for state in self.states if self.meter_field(state).errors]

    def refuse(self, meter_id: int, problem: InvalidReading) -> None:
        """Put a refusal the saving found beside its meter's field."""
        state = next(state for state in self.states if state.meter.id == meter_id)
        self.meter_field(state).errors.append(str(problem))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        self.values: dict[int, Decimal] = {}
        for state in self.states:
            field = self.meter_field(state)
            if field.errors or not field.data:
                continue
            try:
                value = services.parse(field.data)
                services.check(state, value)
            except InvalidReading as problem:
                field.errors.append(str(problem))
                valid = False
            else:
                self.values[state.meter.id] = value
        if valid and not self.values:
            self.form_errors.append(str(_l("Введите показания хотя бы одного счетчика.")))
            valid = False
        return valid

    def unconfirmed(self, today: date) -> list[Unusual]:
        """The much-larger-than-usual consumptions the tenant has not yet confirmed with these values."""
        checked = (
            services.unusual(s, self.values[s.meter.id], today) for s in self.states if s.meter.id in self.values
        )
        found = [u for u in checked if u is not None]
        if found and self.confirmed.data == confirmation(found):
            return []
        self.confirmed.data = confirmation(found)
        return found
