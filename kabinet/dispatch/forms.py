"""The forms of a dispatch request: filing it, a comment, cancelling, the rating and sending it back."""

import json

from flask_babel import lazy_gettext as _l
from wtforms import MultipleFileField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError

from kabinet.dispatch import photos
from kabinet.dispatch.services import CATEGORY_LABELS, RATING_WORDS
from kabinet.forms import Form, at_most, number_or_none, phone_field, strip

DESCRIPTION_MAX = 2000


def history_text(label, required: str | None, rows: int) -> TextAreaField:
    """A text that goes into a request's history (its description, a comment): at most DESCRIPTION_MAX characters;
    required with the message `required`, or optional when it is None."""
    presence = DataRequired(required) if required else Optional()
    return TextAreaField(
        label,
        filters=[strip],
        validators=[
            presence,
            at_most(DESCRIPTION_MAX),
        ],
        render_kw={"rows": rows},
    )


class RequestForm(Form):
    """A new request: which account, what happened, where, how to reach the tenant, photos."""

    account = SelectField(_l("Лицевой счет"), coerce=number_or_none, validate_choice=False)
    category = SelectField(
        _l("Что случилось"),
        choices=[SelectChoice("", _l("— выберите —")), *(SelectChoice(k, v) for k, v in CATEGORY_LABELS.items())],
        validators=[DataRequired(_l("Выберите, что случилось."))],
        validate_choice=False,  # checked below, with a message a tenant understands
    )
    description = history_text(_l("Описание"), _l("Опишите, что случилось."), rows=4)
    location = StringField(
        _l("Где"),
        filters=[strip],
        validators=[at_most(255)],
    )
    contact_phone = phone_field(_l("Контактный телефон"), required=True)
    access_time = StringField(
        _l("Когда можно попасть в помещение"),
        filters=[strip],
        validators=[Optional(), at_most(255)],
    )
    photos = MultipleFileField(_l("Фотографии"), render_kw={"accept": "image/jpeg,image/png"})

    def __init__(self, accounts, *args, **kwargs):
        """accounts: the tenant's, offered in the list; without any, the request is about no account."""
        super().__init__(*args, **kwargs)
        self.accounts = {account.id: account for account in accounts}
        self.account.choices = [SelectChoice(a.id, f"№ {a.number} — {a.address}") for a in accounts]
        # For static/js/dispatch.js, which puts the chosen account's address in «Где».
        self.account.render_kw = {"data-addresses": json.dumps({a.id: a.address for a in accounts}, ensure_ascii=False)}
        self.prepared: list[photos.Photo] = []
        if accounts:
            self.account.flags.required = True
        else:
            del self.account

    @property
    def chosen_account(self):
        return self.accounts.get(self.account.data) if "account" in self else None

    def validate_account(self, field):
        if field.data not in self.accounts:
            raise ValidationError(_l("Выберите лицевой счет из списка."))

    def validate_category(self, field):
        if field.data not in CATEGORY_LABELS:
            raise ValidationError(_l("Выберите, что случилось, из списка."))

    def validate_location(self, field):
        if not field.data and "account" not in self:
            raise ValidationError(_l("Укажите адрес, например: ул. Ленина, д. 5, подъезд 2, 5 этаж."))

    def validate_photos(self, field):
        # A browser sends an empty part when no file is chosen.
        uploads = [upload for upload in field.data or () if getattr(upload, "filename", "")]
        if len(uploads) > photos.MAX_PHOTOS:
            raise ValidationError(_l("Не больше %(count)d фотографий.", count=photos.MAX_PHOTOS))
        problems = []
        for upload in uploads:
            try:
                self.prepared.append(photos.reencode(upload.filename, upload.stream))
            except photos.Refused as refused:
                problems.append(str(refused))
        if problems:
            field.errors.extend(problems)
            raise ValidationError(_l("Выберите фотографии ещё раз: браузер не сохраняет их после ошибки."))


class CommentForm(Form):
    """A comment to the request's history."""

    text = history_text(_l("Комментарий"), _l("Напишите комментарий."), rows=3)


class CancelForm(Form):
    """Cancelling: an empty form, a POST with the CSRF token."""


class RateForm(Form):
    """The tenant's mark for the work done, 1 to 5, and an optional word."""

    rating = RadioField(
        _l("Оценка"),
        choices=[SelectChoice(n, _l("%(rating)s — %(word)s", rating=n, word=word)) for n, word in RATING_WORDS.items()],
        coerce=number_or_none,
        validate_choice=False,
    )
    comment = TextAreaField(
        _l("Комментарий к оценке"),
        filters=[strip],
        validators=[Optional(), at_most(1000)],
        render_kw={"rows": 2},
    )

    def validate_rating(self, field):
        if field.data not in RATING_WORDS:
            raise ValidationError(_l("Выберите оценку от 1 до 5."))


class ReopenForm(Form):
    """Sending a done request back: what is still wrong, which the dispatcher reads."""

    reason = history_text(_l("Что не так"), _l("Напишите, что не сделано или сделано плохо."), rows=3)
