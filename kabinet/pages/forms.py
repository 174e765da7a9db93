"""The language switch in the footer."""

from wtforms import HiddenField

from kabinet.forms import Form


class LanguageForm(Form):
    """The language switch in the footer."""

    lang = HiddenField()
    next = HiddenField()
