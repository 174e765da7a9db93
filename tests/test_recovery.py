"""Password recovery by a control string ("Восстановление пароля", "Смена пароля")."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from kabinet import messages
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import User
from tests.conftest import PASSWORD, links_in, make_user, page, shows, text_of

NEW_PASSWORD = "Sinyaya-Dver-Kvartiry-7"


def control_of(message) -> str:
    return re.search(r"Контрольная строка для смены пароля: (\S+)", text_of(message)).group(1)


def request_reset(client, identifier="ivan"):
    return client.post("/recovery/", data={"login": identifier}, follow_redirects=True)


def change(client, control, login="ivan", password=NEW_PASSWORD, confirm=None):
    return client.post(
        "/recovery/change",
        data={"login": login, "control": control, "password": password, "password_confirm": confirm or password},
    )


def test_the_answer_is_the_same_whether_or_not_the_user_exists(client, user, deliver):
    for identifier in ("ivan", "IVAN@example.org", "nobody", "nobody@example.org"):
        assert shows(request_reset(client, identifier), messages.RESET_SENT)
    assert deliver().sent == 2  # only the real user's two requests


def test_the_email_holds_login_control_string_and_a_link_that_fills_the_form(client, user, mailbox, deliver):
    request_reset(client)
    deliver()
    message = mailbox.last("ivan@example.org")
    assert message["Subject"] == "УК «Наш дом»: Запрос на смену пароля"
    body = text_of(message)
    assert "Логин: ivan" in body
    control = control_of(message)
    link = links_in(message)[0]
    assert link.startswith("http://localhost/recovery/change/")

    form = page(client.get(link.removeprefix("http://localhost")))
    assert "Смена пароля" in form
    assert 'value="ivan"' in form and f'value="{control}"' in form


def test_change_by_control_string_then_login_with_the_new_password(client, auth, user, mailbox, deliver):
    request_reset(client)
    deliver()
    control = control_of(mailbox.last("ivan@example.org"))
    response = change(client, control)
    assert response.status_code == 302
    assert shows(client.get(response.location), messages.PASSWORD_RESET)

    assert shows(auth.login(password=PASSWORD), messages.LOGIN_FAILED)
    assert auth.login(password=NEW_PASSWORD).location == "/cabinet/"

    deliver()
    told = mailbox.last("ivan@example.org")
    assert told["Subject"] == "УК «Наш дом»: Пароль изменён"


def test_a_control_string_works_once(client, user, mailbox, deliver):
    request_reset(client)
    deliver()
    control = control_of(mailbox.last("ivan@example.org"))
    change(client, control)
    again = change(client, control, password="Drugoy-Parol-Sovsem-9")
    assert shows(again, messages.RESET_WRONG)
    link = links_in(mailbox.last("ivan@example.org"))[0]
    assert shows(client.get(link.removeprefix("http://localhost"), follow_redirects=True), messages.RESET_LINK_INVALID)


def test_a_new_request_makes_the_earlier_ones_invalid(client, user, mailbox, deliver):
    request_reset(client)
    deliver()
    first = control_of(mailbox.last("ivan@example.org"))
    request_reset(client)
    deliver()
    second = control_of(mailbox.last("ivan@example.org"))
    assert first != second
    assert shows(change(client, first), messages.RESET_WRONG)
    assert change(client, second).status_code == 302


def test_a_control_string_expires(client, app, user, mailbox, deliver):
    request_reset(client)
    deliver()
    control = control_of(mailbox.last("ivan@example.org"))
    with app.app_context():
        db.session.scalar(select(User)).reset_requested_at = utcnow() - timedelta(hours=24, minutes=1)
        db.session.commit()
    assert shows(change(client, control), messages.RESET_EXPIRED)


def test_a_forged_link_is_refused(client, user):
    response = client.get("/recovery/change/not-a-real-token", follow_redirects=True)
    assert shows(response, messages.RESET_LINK_INVALID)


def test_after_a_reset_every_session_and_remember_cookie_stops_working(app, user, mailbox, deliver):
    laptop = app.test_client()
    laptop.post("/auth/login", data={"login": "ivan", "password": PASSWORD, "remember": "y"})
    remember = laptop.get_cookie("remember_token").value
    assert laptop.get("/cabinet/").status_code == 200

    client = app.test_client()
    request_reset(client)
    deliver()
    change(client, control_of(mailbox.last("ivan@example.org")))

    assert laptop.get("/cabinet/").status_code == 302
    copy = app.test_client()
    copy.set_cookie("remember_token", remember)
    assert copy.get("/cabinet/").status_code == 302


@pytest.mark.parametrize(
    ("password", "confirm", "error"),
    [
        ("short", None, "Пароль слишком короткий (мин. длина: 8)."),
        ("password1", None, "Пароль слабый, его легко взломать"),
        ("ivan-Zelenaya-Lampa", None, "не должен содержать логин"),
        (NEW_PASSWORD, "something-else", "Пароли не совпадают."),
    ],
)
def test_the_new_password_follows_the_same_rules(client, user, mailbox, deliver, password, confirm, error):
    request_reset(client)
    deliver()
    control = control_of(mailbox.last("ivan@example.org"))
    response = change(client, control, password=password, confirm=confirm)
    assert response.status_code == 200
    assert error in page(response)
    assert f'value="{control}"' in page(response)  # the control string typed is kept


def test_reset_confirms_an_unconfirmed_registration(client, app, auth, mailbox, deliver):
    make_user(app, login="petr", email="petr@example.org", confirmed=False)
    request_reset(client, "petr")
    deliver()
    change(client, control_of(mailbox.last("petr@example.org")), login="petr")
    assert auth.login("petr", NEW_PASSWORD).location == "/cabinet/"
