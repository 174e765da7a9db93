"""The platform's forms: a new organization, and the invitation of its admin."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField
from wtforms.validators import AnyOf, DataRequired

from kabinet import requisites
from kabinet.forms import Form, at_most, strip
from kabinet.platform.services import KIND_NAMES
from kabinet.staff.organization.forms import number_field
from kabinet.staff.team.forms import InviteForm


class OrganizationForm(Form):
    """What the platform administrator knows of a new organization: its name, kind and INN."""

    name = StringField(
        _l("Наименование"),
        filters=[strip],
        validators=[DataRequired(_l("Укажите наименование организации.")), at_most(255)],
    )
    kind = RadioField(
        _l("Вид организации"),
        choices=list(KIND_NAMES.items()),
        default="uk",
        validate_choice=False,  # refused by AnyOf below, in words that say what to pick
        validators=[AnyOf(list(KIND_NAMES), message=_l("Выберите вид организации: УК, КСК, ОСИ или ТСЖ."))],
    )
    # As on the organization's own settings page: checked when typed; its admin may fill it in later.
    inn = number_field("inn", requisites.check_inn)


class AdminInviteForm(InviteForm):
    """Whom to invite as the organization's admin: e-mail and names (the role is the admin's, the login made)."""

    role = None
    login = None
