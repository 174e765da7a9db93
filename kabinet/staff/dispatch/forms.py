"""The dispatcher's forms: the queue's filters, a status change, a comment, an assignment, a request taken by phone;
and the admin's deadlines."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Optional, ValidationError

from kabinet.dispatch.deadlines import MAX_HOURS
from kabinet.dispatch.forms import history_text, number_or_none
from kabinet.dispatch.services import CATEGORY_LABELS, STATUS_LABELS
from kabinet.extensions import db
from kabinet.forms import DayField, Form, at_most, phone_field, strip
from kabinet.models import Account
from kabinet.staff.dispatch.services import ALL, OPEN, QueueFilter

ANY = SelectChoice("", _l("Все"))
NEXT_STATUS = {"new": "in_progress", "reopened": "in_progress", "in_progress": "done"}


def _buildings(organization):
    return [SelectChoice(building.id, building.address) for building in organization.buildings]


def _categories(first):
    return [first, *(SelectChoice(key, label) for key, label in CATEGORY_LABELS.items())]


class QueueFilterForm(Form):
    """The queue's filters, read from the address (a GET form, so a filtered queue can be bookmarked and refreshed)."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Статус"),
        choices=[
            SelectChoice(OPEN, _l("Открытые")),
            SelectChoice(ALL, _l("Все")),
            *(SelectChoice(key, label) for key, label in STATUS_LABELS.items()),
        ],
        default=OPEN,
    )
    category = SelectField(_l("Что случилось"), choices=_categories(ANY), default="")
    building = SelectField(_l("Дом"), coerce=number_or_none, validate_choice=False)
    created_from = DayField(_l("Поступила с"), validators=[Optional()])
    created_until = DayField(_l("по"), validators=[Optional()])
    overdue = BooleanField(_l("Только просроченные"))

    def __init__(self, organization, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.building.choices = [ANY, *_buildings(organization)]
        self.known_buildings = {building.id for building in organization.buildings}

    def chosen(self) -> QueueFilter:
        """The filters to apply: a field with an error counts as not filled."""

        def kept(field, default):
            return default if field.errors else field.data

        return QueueFilter(
            status=kept(self.status, OPEN),
            category=kept(self.category, ""),
            building_id=kept(self.building, None),
            created_from=kept(self.created_from, None),
            created_until=kept(self.created_until, None),
            overdue=bool(self.overdue.data),
        )

    def validate_building(self, field):
        if field.raw_data and field.raw_data[0] and field.data not in self.known_buildings:
            raise ValidationError(_l("Выберите дом из списка."))

    def validate_created_until(self, field):
        if field.data and self.created_from.data and field.data < self.created_from.data:
            raise ValidationError(_l("Конец периода раньше его начала."))


class StatusForm(Form):
    """Move the request to another status, with a comment the tenant reads in the e-mail and the history."""

    status = SelectField(_l("Новый статус"), validate_choice=False)
    comment = history_text(_l("Комментарий для жителя"), None, rows=3)

    def __init__(self, current_status, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "reopened" is the tenant's: they send a done request back.
        self.status.choices = [
            SelectChoice(k, v) for k, v in STATUS_LABELS.items() if k not in (current_status, "reopened")
        ]
        # Offered first is where a request usually goes next, so a hurried click does not send it back.
        self.status.data = self.status.data or NEXT_STATUS.get(current_status)

    def validate_status(self, field):
        if field.data not in {choice.value for choice in self.status.choices}:
            raise ValidationError(_l("Выберите новый статус из списка: заявка уже в этом статусе."))


class StaffCommentForm(Form):
    """A dispatcher's word to the tenant that leaves the status as it is."""

    text = history_text(_l("Комментарий для жителя"), _l("Напишите комментарий."), rows=3)


class AssignForm(Form):
    """Whom the request is given to; the empty choice takes it back."""

    executor = SelectField(_l("Исполнитель"), coerce=number_or_none, validate_choice=False)

    def __init__(self, executors, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.executors = {executor.id: executor for executor in executors}
        self.executor.choices = [
            SelectChoice("", _l("— не назначен —")),
            *(SelectChoice(e.id, e.name) for e in executors),
        ]

    @property
    def chosen(self):
        return self.executors.get(self.executor.data)

    def validate_executor(self, field):
        if field.data is not None and field.data not in self.executors:
            raise ValidationError(_l("Выберите исполнителя из списка."))


class PhoneRequestForm(Form):
    """A request the dispatcher takes by phone: for an account (by its number, or by house and apartment) or a common
    area of a house."""

    account_number = StringField(
        _l("Лицевой счет"), filters=[strip], validators=[at_most(32)]
    )
    building = SelectField(_l("Дом"), coerce=number_or_none, validate_choice=False)
    premises = StringField(
        _l("Квартира/помещение"), filters=[strip], validators=[at_most(16)]
    )
    location = StringField(
        _l("Где"), filters=[strip], validators=[at_most(200)]
    )
    category = SelectField(
        _l("Что случилось"),
        choices=_categories(SelectChoice("", _l("— выберите —"))),
        validators=[DataRequired(_l("Выберите, что случилось."))],
        validate_choice=False,
    )
    description = history_text(_l("Описание"), _l("Опишите, что случилось."), rows=4)
    contact_phone = phone_field(_l("Телефон звонившего"), required=True)
    access_time = StringField(
        _l("Когда можно попасть в помещение"),
        filters=[strip],
        validators=[Optional(), at_most(255)],
    )

    def __init__(self, organization, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.building.choices = [SelectChoice("", _l("— выберите —")), *_buildings(organization)]
        self.buildings = {building.id: building for building in organization.buildings}
        self.account = None

    @property
    def chosen_building(self):
        return None if self.account else self.buildings.get(self.building.data)

    def validate_account_number(self, field):
        if not field.data:
            return
        self.account = db.session.scalar(
            select(Account).where(Account.organization_id == self.organization.id, Account.number == field.data)
        )
        if self.account is None:
            raise ValidationError(_l("Лицевой счет № %(number)s не найден.", number=field.data))

    def validate_building(self, field):
        if self.account_number.data:
            return
        if field.data not in self.buildings:
            raise ValidationError(_l("Укажите лицевой счет или выберите дом, если заявка о местах общего пользования."))

    def validate_premises(self, field):
        # A dispatcher cannot search the accounts: the house and apartment the caller names find theirs, if exactly
        # one open account of the organization is there; otherwise the request is about that place, with no account.
        if self.account_number.data or not field.data or self.building.data not in self.buildings:
            return
        typed = {field.data, field.data.lower(), field.data.upper()}  # "12а" finds "12А"
        found = db.session.scalars(
            select(Account)
            .where(Account.organization_id == self.organization.id, Account.building_id == self.building.data)
            .where(Account.premises.in_(typed), Account.is_closed.is_(False))
            .limit(2)
        ).all()
        self.account = found[0] if len(found) == 1 else None

    def validate_location(self, field):
        if not field.data and not self.account_number.data and not self.premises.data:
            raise ValidationError(_l("Укажите, где именно: подъезд, этаж, подвал, двор."))

    def validate_category(self, field):
        if field.data not in CATEGORY_LABELS:
            raise ValidationError(_l("Выберите, что случилось, из списка."))


def whole_hours(form, field):
    """Hours as a whole number from 1 to MAX_HOURS; an empty field leaves the category to the default."""
    typed = field.data or ""
    if typed and not (typed.isascii() and typed.isdigit() and len(typed) <= 4 and 1 <= int(typed) <= MAX_HOURS):
        raise ValidationError(_l("Целое число часов от 1 до %(max)d, или оставьте поле пустым.", max=MAX_HOURS))


class DeadlinesForm(Form):
    """The hours the company gives itself for each category of request: one field a category, added below."""

    def hours(self) -> dict[str, int | None]:
        """The hours typed, by category; None where the field was left empty."""
        return {key: int(self[key].data) if self[key].data else None for key in CATEGORY_LABELS}


for _key, _label in CATEGORY_LABELS.items():
    setattr(
        DeadlinesForm,
        _key,
        StringField(_label, filters=[strip], validators=[whole_hours], render_kw={"inputmode": "numeric"}),
    )
