"""The forms of the staff's content: the book's filters and answer, and an announcement."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from kabinet.book.forms import KINDS, TEXT_MAX
from kabinet.forms import DayField, Form, at_most, strip

STATES = {"unanswered": _l("Без ответа"), "answered": _l("С ответом"), "published": _l("Опубликованные")}


class BookFilterForm(Form):
    """The book's filters, read from the address: a GET form, so a filtered list can be bookmarked."""

    class Meta:
        csrf = False

    # default="": an address with no filters (the page opened, «Сбросить») chooses "all", not an invalid None.
    kind = SelectField(
        _l("Вид записи"),
        choices=[SelectChoice("", _l("Все")), *(SelectChoice(k, v) for k, v in KINDS.items())],
        default="",
    )
    state = SelectField(
        _l("Состояние"),
        choices=[SelectChoice("", _l("Все")), *(SelectChoice(k, v) for k, v in STATES.items())],
        default="",
    )

    def chosen(self, field) -> str:
        """The value to filter by: a value not in the list (a typed address) filters nothing."""
        return "" if field.errors else field.data or ""


class AnswerForm(Form):
    """The company's answer to an entry, and whether the tenants of the organization may read it."""

    answer = TextAreaField(
        _l("Ответ компании"),
        filters=[strip],
        validators=[
            DataRequired(_l("Напишите ответ.")),
            at_most(TEXT_MAX),
        ],
        render_kw={"rows": 8},
    )
    publish = BooleanField(_l("Опубликовать: запись и ответ увидят все жители домов компании (без имени автора)"))


class ActionForm(Form):
    """A button that changes one thing (publish, mark done, delete, e-mail): an empty form, a POST with CSRF."""


class AnnouncementForm(Form):
    """An announcement: its title and text, whom it is for and when it is shown."""

    title = StringField(
        _l("Заголовок"),
        filters=[strip],
        validators=[DataRequired(_l("Укажите заголовок.")), at_most(200)],
    )
    body = TextAreaField(
        _l("Текст объявления"),
        filters=[strip],
        validators=[
            DataRequired(_l("Напишите текст объявления.")),
            at_most(TEXT_MAX),
        ],
        render_kw={"rows": 8},
    )
    buildings = SelectMultipleField(
        _l("Дома (ни одного не отмечено — для всех домов компании)"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,  # checked below, with a message the staff understand
    )
    published_on = DayField(_l("Показывать с"), validators=[InputRequired(_l("Укажите дату публикации."))])
    until = DayField(_l("Показывать по (необязательно)"), validators=[Optional()])

    def __init__(self, organization, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.buildings.choices = [SelectChoice(building.id, building.address) for building in organization.buildings]

    def validate_buildings(self, field):
        offered = {choice.value for choice in field.choices}
        if not set(field.data or ()) <= offered:
            raise ValidationError(_l("Выберите дома из списка."))

    def validate_until(self, field):
        if field.data and self.published_on.data and field.data < self.published_on.data:
            raise ValidationError(_l("Дата окончания не может быть раньше даты публикации."))
