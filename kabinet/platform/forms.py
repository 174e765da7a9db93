"""The platform's forms: a new organization, and the invitation of its admin."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired

from kabinet import requisites
from kabinet.forms import Form, at_most, one_of, strip
from kabinet.organizations import COUNTRY_NAMES
from kabinet.platform.services import KIND_NAMES
from kabinet.staff.organization.forms import Requisite, without_spaces
from kabinet.staff.team.forms import InviteForm

# The taxpayer's number by country: a Russian ИНН, a Kazakh БИН (kept in the same column: Organization.inn).
TAXPAYER_CHECKS = {"RU": requisites.check_inn, "KZ": requisites.check_bin}


class OrganizationForm(Form):
    """What the platform administrator knows of a new organization: its name, kind, country and ИНН or БИН."""

    name = StringField(
        _l("Наименование"),
        filters=[strip],
        validators=[DataRequired(_l("Укажите наименование организации.")), at_most(255)],
    )
    kind = one_of(
        _l("Вид организации"), KIND_NAMES, _l("Выберите вид организации: УК, КСК, ОСИ или ТСЖ."), default="uk"
    )
    country = one_of(_l("Страна"), COUNTRY_NAMES, _l("Выберите страну: Россия или Казахстан."), default="RU")
    # As on the organization's own settings page: checked when typed (by the country's rule, below); its admin may
    # fill it in later.
    inn = StringField(
        _l("ИНН или БИН"),
        filters=[without_spaces],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )

    def validate_inn(self, field):
        """The number checked as its country's: ИНН in Russia, БИН in Kazakhstan."""
        if field.data and (check := TAXPAYER_CHECKS.get(self.country.data)):
            Requisite(check)(self, field)


class AdminInviteForm(InviteForm):
    """Whom to invite as the organization's admin: e-mail and names (the role is the admin's, the login made)."""

    role = None
    login = None
