"""Contacts ("Контакты") and the "Обратная связь" form: public, prefilled for tenants, guarded against bots."""

import pytest
from sqlalchemy import func, select

from kabinet import messages
from kabinet.extensions import db
from kabinet.models import Feedback, Organization, OutboxMessage
from kabinet.organizations import default_organization
from tests.conftest import html_of, page, queries, shows, text_of
from tests.factories import REQUISITES, make_account, other_organization

MESSAGE = {"name": "Анна", "contact": "anna@example.org", "message": "Когда покрасят подъезд?"}
SCRIPT = "<script>alert(1)</script>"


def stored(app) -> list[Feedback]:
    with app.app_context():
        found = db.session.scalars(select(Feedback).order_by(Feedback.id)).all()
        db.session.expunge_all()
        return found


def outbox_size(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(OutboxMessage.id)))


# --- contacts ----------------------------------------------------------------------------------------------------


def test_contacts_are_public_and_show_the_organizations_data(app, client):
    make_account(app)
    html = page(client.get("/contacts/"))
    for value in ("УК «Наш дом»", REQUISITES["address"], REQUISITES["opening_hours"], REQUISITES["dispatch_phone"]):
        assert value in html
    assert 'href="tel:+73952599018"' in html and 'href="tel:+73952599019"' in html
    assert 'href="mailto:info@example.org"' in html
    assert 'href="/contacts/feedback"' in html


def test_an_empty_installation_shows_the_company_settings(make_app):
    app = make_app(COMPANY_NAME="УК «Рассвет»", COMPANY_PHONE="8 (3952) 111-222", COMPANY_EMAIL="office@rassvet.ru")
    html = page(app.test_client().get("/contacts/"))
    assert "УК «Рассвет»" in html and 'href="mailto:office@rassvet.ru"' in html
    assert 'href="tel:+73952111222">8 (3952) 111-222</a>' in html
    assert "Аварийно-диспетчерская служба" not in html and "Часы работы" not in html


def test_what_the_organization_left_empty_is_not_shown_and_the_settings_do_not_fill_it(app, client):
    with app.app_context():
        organization = default_organization()
        organization.phones = organization.email = ""
        db.session.commit()
    html = page(client.get("/contacts/"))
    assert "УК «Наш дом»" in html  # the first-run name, from COMPANY_NAME
    assert "tel:" not in html and "mailto:" not in html and "Телефоны" not in html


def test_several_phones_are_each_a_link(app, client):
    with app.app_context():
        default_organization().phones = "+7 (3952) 599-018, 8 914 000-00-00; 25-25-25"
        db.session.commit()
    html = page(client.get("/contacts/"))
    assert (
        'href="tel:+79140000000"' in html and 'href="tel:252525">25-25-25</a>' in html and html.count('href="tel:') == 4
    )


def test_a_tenant_sees_each_organization_of_their_accounts_and_only_those(app, client, auth, user):
    make_account(app, "100101", user_id=user)
    other_organization(app, user_id=user, phones="+7 (3952) 700-700", email="klen@example.org")
    with app.app_context():
        db.session.add(Organization(name="ОСИ «Чужая»"))
        db.session.commit()
    auth.login()
    html = page(client.get("/contacts/"))
    assert html.count('data-test="organization"') == 2
    assert "УК «Наш дом»" in html and "ТСЖ «Клён»" in html and 'href="mailto:klen@example.org"' in html
    assert "ОСИ «Чужая»" not in html


def test_a_visitor_sees_every_organization(app, client):
    make_account(app)
    other_organization(app)
    assert page(client.get("/contacts/")).count('data-test="organization"') == 2


def test_the_contacts_page_runs_a_bounded_number_of_queries(app, client, auth, user):
    make_account(app, "100101", user_id=user)
    auth.login()
    with queries(app) as one:
        client.get("/contacts/")
    for n in range(2, 12):
        make_account(app, f"1001{n:02}", premises=str(n), user_id=user)
    with queries(app) as many:
        client.get("/contacts/")
    assert one.count == many.count


# --- feedback ----------------------------------------------------------------------------------------------------


def test_a_visitor_sends_feedback_and_it_reaches_the_company_by_email(app, client, mailbox, deliver):
    make_account(app)
    form = page(client.get("/contacts/feedback"))
    for label in ("Ваше имя", "E-mail или телефон", "Сообщение", "data-once"):
        assert label in form
    response = client.post("/contacts/feedback", data=MESSAGE, follow_redirects=True)
    assert shows(response, messages.FEEDBACK_SENT)
    [feedback] = stored(app)
    assert (feedback.name, feedback.contact, feedback.message, feedback.user_id) == (*MESSAGE.values(), None)
    assert feedback.state == "new"
    deliver()
    email = mailbox.last(REQUISITES["email"])
    assert f"№ {feedback.id}" in email["Subject"]
    for value in MESSAGE.values():
        assert value in text_of(email) and value in html_of(email)


def test_the_email_goes_to_the_chosen_organization_or_the_company_address(app, client, mailbox, deliver):
    make_account(app)
    klen_id = other_organization(app)  # no e-mail of its own: the installation's organization's gets it
    form = page(client.get("/contacts/feedback"))
    assert "ТСЖ «Клён»" in form and "Управляющая компания" in form
    client.post("/contacts/feedback", data={**MESSAGE, "organization": klen_id})
    deliver()
    assert [f.organization_id for f in stored(app)] == [klen_id]
    assert mailbox.last(app.config["COMPANY_EMAIL"])


def test_feedback_text_is_escaped_in_the_html_email(app, client, mailbox, deliver):
    client.post("/contacts/feedback", data={"name": SCRIPT, "contact": "anna@example.org", "message": SCRIPT})
    deliver()
    email = mailbox.last(app.config["COMPANY_EMAIL"])
    assert SCRIPT not in html_of(email) and "&lt;script&gt;alert(1)&lt;/script&gt;" in html_of(email)
    assert SCRIPT in text_of(email)


def test_a_tenant_finds_name_and_email_filled_in(app, client, auth, user):
    make_account(app, "100101", user_id=user)
    auth.login()
    form = page(client.get("/contacts/feedback"))
    assert 'value="Иван Петров"' in form and 'value="ivan@example.org"' in form
    client.post("/contacts/feedback", data={"name": "Иван Петров", "contact": "ivan@example.org", "message": "Привет"})
    assert [f.user_id for f in stored(app)] == [user]


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("8 912 345-67-89", "+79123456789"),
        ("+7 (701) 123-45-67", "+77011234567"),
        ("Anna@Example.ORG", "Anna@example.org"),
        ("anna@почта.рф", "anna@xn--80a1acny.xn--p1ai"),
    ],
)
def test_an_email_or_a_phone_is_accepted_and_normalized(app, client, typed, kept):
    client.post("/contacts/feedback", data={**MESSAGE, "contact": typed})
    assert [f.contact for f in stored(app)] == [kept]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"name": ""}, "Заполните это поле."),
        ({"name": "Я" * 65}, "Не длиннее 64 символов."),
        ({"contact": ""}, "Укажите e-mail или телефон, чтобы мы могли ответить."),
        ({"contact": "anna"}, "Укажите e-mail (например, ivan@mail.ru) или телефон"),
        ({"contact": "anna@"}, "Укажите e-mail (например, ivan@mail.ru) или телефон"),
        ({"contact": "123"}, "Укажите e-mail (например, ivan@mail.ru) или телефон"),
        ({"contact": "a" * 250 + "@x.ru"}, "Не длиннее 254 символов."),
        ({"message": ""}, "Напишите сообщение."),
        ({"message": "Я" * 5001}, "Не длиннее 5000 символов."),
        ({"organization": "999"}, "Выберите организацию из предложенных."),
    ],
)
def test_bad_input_is_explained_beside_the_field_and_kept(app, client, changes, error):
    make_account(app)
    other_organization(app)
    data = {**MESSAGE, **changes}
    response = client.post("/contacts/feedback", data=data)
    html = page(response)
    assert response.status_code == 200 and error in html
    assert 'class="invalid-feedback d-block"' in html
    if data["name"]:
        assert f'value="{data["name"]}"' in html
    if data["contact"]:
        assert f'value="{data["contact"]}"' in html
    if data["message"]:
        assert data["message"] in html
    assert stored(app) == [] and outbox_size(app) == 0


def test_the_honeypot_is_out_of_sight_and_of_the_tab_order(client):
    html = page(client.get("/contacts/feedback"))
    trap = html[html.index('<div class="visually-hidden" aria-hidden="true">') :]
    trap = trap[: trap.index("</div>")]
    assert 'name="website"' in trap and 'tabindex="-1"' in trap and 'autocomplete="off"' in trap


def test_a_filled_honeypot_is_thanked_but_nothing_is_kept_or_sent(app, client):
    response = client.post(
        "/contacts/feedback", data={**MESSAGE, "website": "http://spam.example"}, follow_redirects=True
    )
    assert shows(response, messages.FEEDBACK_SENT)
    assert stored(app) == [] and outbox_size(app) == 0


def test_a_double_click_sends_one_message(app, client):
    client.post("/contacts/feedback", data=MESSAGE)
    client.post("/contacts/feedback", data=MESSAGE)
    assert len(stored(app)) == 1 and outbox_size(app) == 1


def test_feedback_is_rate_limited_per_address(make_app):
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_FEEDBACK="2/minute").test_client()
    codes = [
        client.post("/contacts/feedback", data={**MESSAGE, "message": f"Вопрос {n}"}).status_code for n in range(3)
    ]
    assert codes == [302, 302, 429]
    blocked = client.post("/contacts/feedback", data=MESSAGE)
    assert blocked.status_code == 429 and "Слишком много попыток" in page(blocked)
    assert client.get("/contacts/feedback").status_code == 200  # reading the form is not limited
