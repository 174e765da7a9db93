"""The form of an entry in the complaints and suggestions book."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired

from kabinet.forms import ChoosesOrganization, Form, at_most, number_or_none, one_of, strip
from kabinet.models.book import BOOK_KINDS

KINDS = dict(zip(BOOK_KINDS, (_l("Жалоба"), _l("Предложение"), _l("Благодарность")), strict=True))
TEXT_MAX = 5000


class EntryForm(ChoosesOrganization, Form):
    """A complaint, a suggestion or a gratitude: to which of the tenant's organizations, its subject and its text."""

    organization = SelectField(_l("Кому"), coerce=number_or_none, validate_choice=False)

    kind = one_of(
        _l("Вид записи"),
        KINDS,
        _l("Выберите вид записи из предложенных."),
        required=_l("Выберите вид записи."),
    )
    subject = StringField(
        _l("Тема"),
        filters=[strip],
        validators=[DataRequired(_l("Укажите тему.")), at_most(200)],
    )
    text = TextAreaField(
        _l("Текст"),
        filters=[strip],
        validators=[
            DataRequired(_l("Напишите текст записи.")),
            at_most(TEXT_MAX),
        ],
        render_kw={"rows": 8},
    )

