"""The tenants' search and the buttons of a tenant's page."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length, Optional

from kabinet.forms import Form, strip


class SearchForm(Form):
    """Find a tenant by login, e-mail, name or phone."""

    class Meta:
        csrf = False  # a GET search, bookmarkable

    q = StringField(
        _l("Логин, e-mail, имя или телефон"),
        filters=[strip],
        validators=[Optional(), Length(max=100, message=_l("Не длиннее 100 символов."))],
    )


class ActionForm(Form):
    """A button without fields (block, unblock, resend, unbind): a POST with the CSRF token."""
