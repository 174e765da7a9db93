"""The tenant's filter of the documents by kind."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField

from kabinet.documents.services import KIND_LABELS
from kabinet.forms import Form


class KindFilterForm(Form):
    """The kind to show, read from the address: a GET form, so a filtered list can be bookmarked."""

    class Meta:
        csrf = False

    kind = SelectField(
        _l("Вид документа"),
        choices=[SelectChoice("", _l("Все")), *(SelectChoice(k, v) for k, v in KIND_LABELS.items())],
        default="",
    )

    def chosen(self) -> str:
        """The kind to filter by: a value not in the list (a typed address) filters nothing."""
        return "" if self.kind.errors else self.kind.data or ""
