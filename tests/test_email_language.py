"""Every e-mail in its recipient's language, whoever triggered it: a staff member working in English e-mails a
Russian tenant in Russian and an English one in English; people Kabinet does not know (a new staff user, the
company's own mailbox) get the installation's language."""

from datetime import date, datetime

import pytest
from flask import render_template_string

from kabinet.book import services as book
from kabinet.contacts import services as contacts
from kabinet.dispatch import services as dispatch
from kabinet.extensions import db
from kabinet.language import speaking
from kabinet.models import Account, Announcement, BindingRequest, Building, DispatchRequest, User
from kabinet.organizations import default_organization
from kabinet.profile import services as profile
from kabinet.receipts.services import month_name
from kabinet.recovery import services as recovery
from kabinet.registration import services as registration
from kabinet.staff.accounts import bindings
from kabinet.staff.content import services as content
from kabinet.staff.team import services as team
from tests.conftest import PASSWORD, make_user, page, text_of
from tests.factories import make_account, make_staff

COMPANY = "УК «Наш дом»"
NOTICE = {"ru": f"Информационное сообщение сайта {COMPANY}", "en": f"A notification from {COMPANY}"}


def client_in(app, login, lang):
    """A logged-in client of `login` whose pages are in `lang` (the switch stores it)."""
    client = app.test_client()
    assert client.post("/auth/login", data={"login": login, "password": PASSWORD}).status_code == 302
    client.post("/language", data={"lang": lang, "next": "/"})
    return client


def tenant(app, login, language, number):
    """A confirmed tenant keeping `language`, bound to a new account; their id."""
    user_id = make_user(app, login=login, email=f"{login}@example.org", language=language)
    make_account(app, number, user_id=user_id)
    return user_id


# --- an announcement sent by a staff member working in English ----------------------------------------------------


def test_an_english_dispatchers_announcement_reaches_each_tenant_in_their_language(app, mailbox, deliver):
    tenant(app, "ivan", "ru", "100101")
    tenant(app, "john", "en", "100102")
    tenant(app, "petr", None, "100103")  # registered before languages were kept: the installation's
    make_staff(app, "dispatcher")
    dispatcher = client_in(app, "dispatcher", "en")
    assert '<html lang="en">' in page(dispatcher.get("/staff/content/announcements"))
    form = {"title": "Воду отключат", "body": "Воду отключат 5 мая.", "published_on": date.today().isoformat()}
    assert dispatcher.post("/staff/content/announcements/new", data=form).status_code == 302
    with app.app_context():
        news_id = db.session.scalar(db.select(Announcement.id))
    dispatcher.post(f"/staff/content/announcements/{news_id}/email")

    deliver()
    for login, lang in (("ivan", "ru"), ("john", "en"), ("petr", "ru")):
        email = mailbox.last(f"{login}@example.org")
        assert email["Subject"] == f"{COMPANY}: Воду отключат"
        assert NOTICE[lang] in text_of(email) and "Воду отключат 5 мая." in text_of(email)
        assert NOTICE["en" if lang == "ru" else "ru"] not in text_of(email)


# --- one notice of each other kind, triggered in English ------------------------------------------------------------


def _status(app, user_id, staff_id):
    request = _filed(app, user_id)
    dispatch.change_status(request, "in_progress", "", db.session.get(User, staff_id))
    db.session.commit()


def _comment(app, user_id, staff_id):
    request = _filed(app, user_id)
    dispatch.answer(request, db.session.get(User, staff_id), "Придём завтра.")
    db.session.commit()


def _filed(app, user_id) -> DispatchRequest:
    user = db.session.get(User, user_id)
    account = db.session.scalar(db.select(Account).where(Account.number == "100101"))
    filed, _ = dispatch.create(user, account, category="leak", description="Течёт кран", location="",
                               contact_phone="+79123456789")  # fmt: skip
    return filed


def _binding(decision):
    def trigger(app, user_id, staff_id):
        building = db.session.scalar(db.select(Building)).id
        request = BindingRequest(user_id=user_id, building_id=building, premises="1", role="owner")
        db.session.add(request)
        db.session.commit()
        staff, now = db.session.get(User, staff_id), datetime.now()
        if decision == "approved":
            bindings.approve(request, db.session.scalar(db.select(Account)), staff, now)
        else:
            bindings.reject(request, "Нет такой квартиры.", staff, now)

    return trigger


def _book_answer(app, user_id, staff_id):
    entry = book.create(db.session.get(User, user_id), default_organization(), "complaint", "Шумят", "Каждую ночь.")
    content.answer_entry(entry, "Разберёмся.", False, db.session.get(User, staff_id))


def _reset(app, user_id, staff_id):
    recovery.request_reset(db.session.get(User, user_id).login)


def _password_changed(app, user_id, staff_id):
    profile.change_password(db.session.get(User, user_id), "Novyi-Parol-Dlinnyi-9")
    db.session.commit()


def _confirm_email(app, user_id, staff_id):
    profile.request_email_change(db.session.get(User, user_id), db.session.get(User, user_id).email)


def _registration(app, user_id, staff_id):
    registration.send_confirmation(db.session.get(User, user_id))
    db.session.commit()


KINDS = {
    "dispatch status": (_status, {"ru": "Заявка №", "en": "Request No."}),
    "dispatch comment": (_comment, {"ru": "комментарий диспетчера", "en": "dispatcher's comment"}),
    "binding approved": (_binding("approved"), {"ru": "Лицевой счет привязан", "en": "Personal account linked"}),
    "binding rejected": (_binding("rejected"), {"ru": "привязку лицевого счета отклонена", "en": "request rejected"}),
    "book answer": (_book_answer, {"ru": "Ответ на вашу запись", "en": "A reply to your entry"}),
    "password reset": (_reset, {"ru": "Запрос на смену пароля", "en": "Password change request"}),
    "password changed": (_password_changed, {"ru": "Пароль изменён", "en": "Password changed"}),
    "e-mail change": (_confirm_email, {"ru": "Подтверждение нового e-mail", "en": "Confirm your new e-mail"}),
    "registration": (_registration, {"ru": "Подтверждение регистрации", "en": "Confirm your registration"}),
}


@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_each_notice_is_in_its_recipients_language_whoever_triggers_it(app, mailbox, deliver, kind, lang):
    trigger, subjects = KINDS[kind]
    user_id = tenant(app, "ivan", lang, "100101")
    staff_id = make_staff(app, "dispatcher", language="en")
    other = "en" if lang == "ru" else "ru"
    # The trigger's own page is in the other language: a staff member's, or the tenant's on another browser.
    with app.test_request_context("/", headers={"Cookie": f"lang={other}"}):
        trigger(app, user_id, staff_id)
    deliver()
    email = mailbox.last("ivan@example.org")
    assert email["Subject"].startswith(COMPANY) and subjects[lang] in email["Subject"]
    assert NOTICE[lang] in text_of(email) and NOTICE[other] not in text_of(email)


def test_an_invitation_from_an_english_admin_is_in_the_installations_language(app, mailbox, deliver):
    admin_id = make_staff(app, "admin", language="en")
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        admin = db.session.get(User, admin_id)
        team.invite(default_organization(), email="new@staff.example.org", first_name="Анна", last_name="Новая",
                    role="dispatcher", by=admin)  # fmt: skip
    deliver()
    email = mailbox.last("new@staff.example.org")
    assert email["Subject"] == f"{COMPANY}: Приглашение в офис компании" and NOTICE["ru"] in text_of(email)


def test_feedback_reaches_the_company_in_its_language_whatever_the_tenants(app, mailbox, deliver):
    user_id = tenant(app, "john", "en", "100101")
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        organization = default_organization()
        contacts.send_feedback(organization, db.session.get(User, user_id), "John", "john@example.org", "Hello")
    deliver()
    email = mailbox.last("info@example.org")
    assert "Обратная связь, сообщение №" in email["Subject"] and NOTICE["ru"] in text_of(email)


# --- dates and amounts follow the e-mail's language, outside a request too -----------------------------------------


@pytest.mark.parametrize(
    ("lang", "amount", "month"),
    [
        ("ru", "1\xa0656,15\xa0₸", "ноябрь 2026"),
        ("en", "₸1,656.15", "November 2026"),
        ("kk", "1\xa0656,15\xa0₸", "Қараша 2026"),
    ],
)
def test_dates_and_amounts_follow_the_language_in_a_command_or_a_job(app, lang, amount, month):
    template = "{{ 1656.15|money('KZT') }} / {{ month(day) }} / {{ _('Пароль изменён') }}"
    with app.app_context(), speaking(lang):  # no request: what a command or the worker renders
        shown = render_template_string(template, month=month_name, day=date(2026, 11, 5))
    assert shown.startswith(amount) and month in shown
    assert ("Password changed" in shown) == (lang == "en")
