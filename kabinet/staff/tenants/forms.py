"""The tenants' search and the buttons of a tenant's page."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Optional

from kabinet.forms import Form, at_most, strip


class SearchForm(Form):
    """Find a tenant by login, e-mail, name or phone."""

    class Meta:
        csrf = False  # a GET search, bookmarkable

    q = StringField(
        _l("Логин, e-mail, имя или телефон"),
        filters=[strip],
        validators=[Optional(), at_most(100)],
    )


class ActionForm(Form):
    """A button without fields (block, unblock, resend, unbind): a POST with the CSRF token."""
