"""The form of an entry in the complaints and suggestions book."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired

from kabinet.forms import ChoosesOrganization, Form, at_most, number_or_none, strip
from kabinet.models.book import BOOK_KINDS

KINDS = dict(zip(BOOK_KINDS, (_l("Жалоба"), _l("Предложение"), _l("Благодарность")), strict=True))
TEXT_MAX = 5000


class EntryForm(ChoosesOrganization, Form):
    """A complaint, a suggestion or a gratitude: to which of the tenant's organizations, its subject and its text."""

    organization = SelectField(_l("Кому"), coerce=number_or_none, validate_choice=False)

    kind = RadioField(
        _l("Вид записи"),
        choices=[SelectChoice(value, label) for value, label in KINDS.items()],
        validators=[
            InputRequired(_l("Выберите вид записи.")),
            AnyOf(BOOK_KINDS, message=_l("Выберите вид записи из предложенных.")),
        ],
        validate_choice=False,  # AnyOf says it in words a tenant understands
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

