"""Registration ("Регистрация") and confirmation by link and by code."""

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from kabinet import messages
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import User
from tests.conftest import PASSWORD, audited, html_of, links_in, make_user, page, shows, text_of

FORM = {
    "login": "Ivan.Petrov",
    "password": PASSWORD,
    "password_confirm": PASSWORD,
    "first_name": "Иван",
    "middle_name": "Сергеевич",
    "last_name": "Петров",
    "email": "Ivan.Petrov@Example.ORG",
    "phone": "8 (912) 345-67-89",
    "phone_extra": "",
    "agree": "y",
}


def register(client, **changes):
    return client.post("/registration/", data={**FORM, **changes})


def stored_user(app, login="Ivan.Petrov"):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.login == login))
        if user is not None:
            db.session.expunge(user)
        return user


def test_form_has_the_manual_fields(client):
    html = page(client.get("/registration/"))
    for label in [
        "Логин",
        "Пароль",
        "Повторите пароль",
        "Имя",
        "Отчество",
        "Фамилия",
        "E-mail",
        "Телефон",
        "Дополнительный телефон",
        "Я согласен с условиями",
        "Зарегистрироваться",
        "Я уже зарегистрирован",
    ]:
        assert label in html
    assert 'href="/agreement"' in html


def test_register_creates_inactive_user_and_sends_confirmation(client, app, mailbox, deliver):
    response = register(client)
    assert response.status_code == 302
    assert shows(client.get(response.location), messages.REGISTERED)

    user = stored_user(app)
    assert user.confirmed_at is None
    assert user.email == "Ivan.Petrov@example.org"  # email-validator lowercases the domain
    assert user.phone == "+79123456789"
    assert user.password_hash != PASSWORD and user.password_hash.startswith("scrypt:")

    assert deliver().sent == 1
    message = mailbox.last("Ivan.Petrov@example.org")
    assert message["Subject"] == "УК «Наш дом»: Подтверждение регистрации нового пользователя"
    body = text_of(message)
    assert "Здравствуйте, Иван!" in body
    assert "Ваш профиль не будет активным, пока вы не подтвердите свою регистрацию" in body
    assert "Ivan.Petrov" in body
    confirm_link, code_link = links_in(message)
    assert confirm_link.startswith("http://localhost/registration/confirm/")
    assert code_link == "http://localhost/registration/confirm?login=Ivan.Petrov"
    assert confirm_link in html_of(message)


def test_confirm_by_link_then_second_click_says_already(client, app, mailbox, deliver):
    register(client)
    deliver()
    link = links_in(mailbox.last("Ivan.Petrov@example.org"))[0]
    path = link.removeprefix("http://localhost")

    first = client.get(path)
    assert shows(first, messages.CONFIRMED)
    assert "Войти в личный кабинет" in page(first)
    assert stored_user(app).confirmed_at is not None

    second = client.get(path)
    assert shows(second, messages.ALREADY_CONFIRMED)


def test_confirm_by_code(client, app, mailbox, deliver):
    register(client)
    deliver()
    body = text_of(mailbox.last("Ivan.Petrov@example.org"))
    code = body.split("Ваш код для подтверждения регистрации: ")[1].split()[0]
    assert len(code) == 8

    wrong = client.post("/registration/confirm", data={"login": "Ivan.Petrov", "code": "AAAAAAAA"})
    assert shows(wrong, messages.CONFIRM_CODE_WRONG)
    assert stored_user(app).confirmed_at is None

    # typed by hand on a phone: other case, with spaces
    right = client.post(
        "/registration/confirm", data={"login": "ivan.petrov", "code": f" {code[:4].lower()} {code[4:]}"}
    )
    assert shows(right, messages.CONFIRMED)
    assert stored_user(app).confirmed_at is not None


def test_altered_link_is_invalid_and_offers_a_new_one(client, mailbox, deliver):
    register(client)
    deliver()
    path = links_in(mailbox.last("Ivan.Petrov@example.org"))[0].removeprefix("http://localhost")
    response = client.get(path[:-3] + "xyz")
    assert shows(response, messages.CONFIRM_LINK_INVALID)
    assert "/registration/resend" in page(response)


def test_expired_link_says_expired(client, app, mailbox, deliver, monkeypatch):
    register(client)
    deliver()
    path = links_in(mailbox.last("Ivan.Petrov@example.org"))[0].removeprefix("http://localhost")
    later = time.time() + 73 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.get(path)
    assert shows(response, messages.CONFIRM_LINK_EXPIRED)
    assert "/registration/resend" in page(response)


def test_expired_code_is_refused(client, app, mailbox, deliver):
    register(client)
    deliver()
    code = text_of(mailbox.last("Ivan.Petrov@example.org")).split("регистрации: ")[1].split()[0]
    with app.app_context():
        user = db.session.scalar(select(User))
        user.confirm_sent_at = utcnow() - timedelta(hours=73)
        db.session.commit()
    response = client.post("/registration/confirm", data={"login": "Ivan.Petrov", "code": code})
    assert shows(response, messages.CONFIRM_CODE_WRONG)


def test_resend_makes_a_new_code_and_answers_the_same_for_strangers(client, app, mailbox, deliver):
    register(client)
    deliver()
    old_code = text_of(mailbox.last("Ivan.Petrov@example.org")).split("регистрации: ")[1].split()[0]

    for who in ("ivan.petrov@example.org", "nobody-here"):
        response = client.post("/registration/resend", data={"login": who}, follow_redirects=True)
        assert shows(response, messages.CONFIRMATION_RESENT)
    assert deliver().sent == 1
    new_code = text_of(mailbox.last("Ivan.Petrov@example.org")).split("регистрации: ")[1].split()[0]
    assert new_code != old_code

    stale = client.post("/registration/confirm", data={"login": "Ivan.Petrov", "code": old_code})
    assert shows(stale, messages.CONFIRM_CODE_WRONG)
    fresh = client.post("/registration/confirm", data={"login": "Ivan.Petrov", "code": new_code})
    assert shows(fresh, messages.CONFIRMED)


def test_login_before_confirming_is_told_why_and_offered_a_new_email(client, auth):
    register(client)
    response = auth.login("Ivan.Petrov", PASSWORD)
    assert shows(response, messages.NOT_CONFIRMED)
    assert "/registration/resend?login=Ivan.Petrov" in page(response)
    assert client.get("/cabinet/").status_code == 302


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"login": "ab"}, "Логин должен содержать от 3 до 32 символов."),
        ({"login": "x" * 33}, "Логин должен содержать от 3 до 32 символов."),
        ({"login": "иван"}, "Логин может содержать только латинские буквы"),
        ({"login": "ivan petrov"}, "Логин может содержать только латинские буквы"),
        ({"email": "not-an-email"}, "Введите адрес электронной почты"),
        ({"phone": "12345"}, "Неверный номер телефона"),
        ({"phone": ""}, "Укажите телефон."),
        ({"phone_extra": "abc"}, "Неверный номер телефона"),
        ({"first_name": ""}, "Заполните это поле."),
        ({"last_name": " "}, "Заполните это поле."),
        ({"password_confirm": "something-else-entirely"}, "Пароли не совпадают."),
        ({"password": "Ab1!", "password_confirm": "Ab1!"}, "Пароль слишком короткий (мин. длина: 8)."),
        ({"password": "qwerty123", "password_confirm": "qwerty123"}, "Пароль слабый, его легко взломать"),
        ({"password": "Ivan.Petrov-Lampa", "password_confirm": "Ivan.Petrov-Lampa"}, "не должен содержать логин"),
        ({"agree": ""}, "примите условия соглашения"),
    ],
)
def test_bad_input_is_explained_beside_the_field_and_kept(client, app, changes, field_error):
    response = register(client, **changes)
    assert response.status_code == 200
    html = page(response)
    assert field_error in html
    assert "invalid-feedback" in html
    assert stored_user(app) is None
    # what the user typed is kept, except the password
    assert 'value="Петров"' in html or changes.get("last_name") is not None
    assert PASSWORD not in html


def test_phones_of_russia_and_kazakhstan_are_stored_in_e164(client, app):
    register(client, phone="+7 701 123 45 67", phone_extra="+7 (3952) 59-90-18")
    user = stored_user(app)
    assert (user.phone, user.phone_extra) == ("+77011234567", "+73952599018")


@pytest.mark.parametrize("field", ["login", "email"])
def test_login_and_email_are_unique_whatever_their_case(client, app, field):
    make_user(app, login="ivan.petrov", email="ivan.petrov@example.org")
    taken = {"login": "IVAN.PETROV", "email": "IVAN.PETROV@EXAMPLE.ORG"}[field]
    response = register(client, **{field: taken})
    assert "уже" in page(response)
    with app.app_context():
        assert len(db.session.scalars(select(User)).all()) == 1


def test_agreement_page_has_a_default_text_and_takes_a_custom_one(client, make_app, tmp_path):
    assert "Пользовательское соглашение" in page(client.get("/agreement"))
    custom = tmp_path / "agreement.txt"
    custom.write_text("Наше соглашение <b>жирно</b>\nВторая строка", encoding="utf-8")
    other = make_app(AGREEMENT_FILE=str(custom)).test_client()
    html = page(other.get("/agreement"))
    assert "Наше соглашение &lt;b&gt;жирно&lt;/b&gt;<br>" in html


# --- the limit per address, and the pages after registering ----------------------------------------------------------


@pytest.fixture
def limited(make_app):
    """An app whose registration limit is two per hour from one address."""
    return make_app(RATELIMIT_ENABLED=True, RATELIMIT_REGISTRATION="2/hour").test_client()


def someone(number: int) -> dict:
    return {"login": f"tenant{number}", "email": f"tenant{number}@example.org"}


@pytest.mark.parametrize(
    "mistake",
    [{"password_confirm": "something-else-entirely"}, {"phone": "12345"}, {"agree": ""}, {"email": "not-an-email"}],
)
def test_a_person_correcting_their_form_is_not_counted(limited, mistake):
    for _ in range(5):
        assert register(limited, **mistake).status_code == 200
    assert register(limited, **someone(1)).location.endswith("/registration/sent")
    assert register(limited, **someone(2)).location.endswith("/registration/sent")


def test_past_the_limit_the_form_comes_back_as_typed_with_the_time_to_wait(limited, app):
    register(limited, **someone(1))
    register(limited, **someone(2))

    response = register(limited, **someone(3))

    assert response.status_code == 429
    html = page(response)
    assert "С вашего адреса слишком много регистраций" in html and "отправьте её через 1 час" in html
    for kept in ('value="tenant3"', 'value="tenant3@example.org"', 'value="Сергеевич"', 'value="8 (912) 345-67-89"'):
        assert kept in html, kept
    assert re.search(r'<input checked [^>]*name="agree"', html)
    assert PASSWORD not in html and re.search(r'name="password" [^>]*value=""', html)
    assert stored_user(app, "tenant3") is None
    assert len(audited(app, "rate_limited")) == 1


def test_answers_that_a_login_is_taken_count_and_past_the_limit_tell_nothing(limited, app):
    make_user(app, login="taken", email="taken@example.org")
    for _ in range(2):
        assert "Этот логин уже занят" in page(register(limited, login="taken"))

    for probe in ({"login": "taken"}, {"login": "free.login"}, {"login": "free.login", "agree": ""}):
        response = register(limited, **probe)
        assert response.status_code == 429 and "уже занят" not in page(response), probe
        assert "invalid-feedback" not in page(response)  # no verdict on what was typed


def test_the_code_page_reached_from_the_sent_page_keeps_the_login(client):
    sent = client.get(register(client).location)
    assert sent.request.path == "/registration/sent"  # the login is not in the address that may be shared

    link = re.search(r'href="(/registration/confirm\?[^"]+)">Ввести код подтверждения<', page(sent))[1]
    assert link == "/registration/confirm?login=Ivan.Petrov"
    assert re.search(r'name="login" [^>]*value="Ivan.Petrov"', page(client.get(link)))
    assert 'href="/registration/resend?login=Ivan.Petrov"' in page(sent)
    elsewhere = client.application.test_client().get("/registration/sent")  # a browser that registered nobody
    assert 'href="/registration/confirm">' in page(elsewhere)


def test_without_a_login_the_email_is_the_login_and_logs_in(client, app, auth, mailbox, deliver):
    assert "Необязательно: без него входите по e-mail." in page(client.get("/registration/"))
    response = register(client, login="")
    assert response.location.endswith("/registration/sent")
    user = stored_user(app, login="Ivan.Petrov@example.org")
    assert user is not None and user.email == "Ivan.Petrov@example.org"
    deliver()
    client.get(links_in(mailbox.last("Ivan.Petrov@example.org"))[0].removeprefix("http://localhost"))
    assert auth.login("IVAN.PETROV@EXAMPLE.ORG").location.endswith("/cabinet/")


def test_an_email_that_is_another_users_login_is_refused(client, app):
    make_user(app, login="ivan.petrov@example.org", email="new.address@example.org")
    response = register(client, login="")
    assert "Пользователь с таким e-mail уже зарегистрирован" in page(response)
    assert stored_user(app, login="ivan.petrov@example.org").email == "new.address@example.org"


def test_a_password_made_of_the_email_login_is_refused(client, app):
    email = "Ivan.Petrov@example.org"
    response = register(client, login="", password=email, password_confirm=email)
    assert response.status_code == 200 and stored_user(app, login="Ivan.Petrov@example.org") is None
