"""Password recovery by a control string ("Восстановление пароля", "Смена пароля")."""

import base64
import re
import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from kabinet import messages, tokens
from kabinet.clock import STEADY_ANSWER, utcnow
from kabinet.extensions import db
from kabinet.models import User
from tests.conftest import PASSWORD, audited, continue_from, links_in, make_user, page, shows, text_of

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


def token_payload(link: str) -> str:
    """What anyone who reads the link learns from its token (signed, not encrypted)."""
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert not token.startswith("."), "a compressed payload would hide what it says from this test"
    return base64.urlsafe_b64decode(token.split(".")[0] + "==").decode("utf-8", "replace")


def test_the_email_holds_login_control_string_and_a_link_that_opens_the_form(client, user, mailbox, deliver):
    request_reset(client)
    deliver()
    message = mailbox.last("ivan@example.org")
    assert message["Subject"] == "УК «Наш дом»: Запрос на смену пароля"
    body = text_of(message)
    assert "Логин: ivan" in body
    control = control_of(message)
    link = links_in(message)[0].removeprefix("http://localhost")
    assert link.startswith("/recovery/change/")

    shown = client.get(link)  # what a mail scanner also opens: it spends nothing
    assert "Чтобы задать новый пароль, нажмите «Продолжить»" in page(shown)
    assert continue_from(client, link).location == "/recovery/change"  # the token leaves the address bar at once
    form = page(client.get("/recovery/change"))
    assert "Ссылка из письма принята. Придумайте новый пароль для логина ivan." in form
    assert 'name="control"' not in form and control not in form
    done = client.post("/recovery/change", data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert done.location == "/auth/login"
    assert client.post("/auth/login", data={"login": "ivan", "password": NEW_PASSWORD}).status_code == 302


def test_the_link_tells_nothing_and_works_once(app, client, user, mailbox, deliver):
    """A link read from a web server's access log: no login or control string in it, and spent by its first use."""
    request_reset(client)
    deliver()
    message = mailbox.last("ivan@example.org")
    link = links_in(message)[0].removeprefix("http://localhost")
    payload = token_payload(link)
    assert "ivan" not in payload and control_of(message) not in payload

    continue_from(client, link)
    assert client.get(link).location == "/recovery/change"  # the same browser, again: straight to its form
    reader = app.test_client()  # whoever copies the address from the log afterwards
    for followed in (reader.get(link, follow_redirects=True), reader.post(link, follow_redirects=True)):
        assert shows(followed, messages.RESET_LINK_USED)
        assert 'name="control"' in page(followed)
    refused = reader.post("/recovery/change", data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert refused.status_code == 200 and "Введите контрольную строку из письма." in page(refused)
    # the control string typed by hand still works for its owner
    assert change(app.test_client(), control_of(message)).location == "/auth/login"


def test_the_browser_that_continued_keeps_the_form_only_for_a_while_and_not_past_a_login(
    app, client, user, mailbox, deliver, monkeypatch
):
    """A shared computer: the link was continued from and left; whoever logs in or out there next ends it."""
    request_reset(client)
    deliver()
    link = links_in(mailbox.last("ivan@example.org"))[0].removeprefix("http://localhost")
    continue_from(client, link)
    assert client.post("/auth/login", data={"login": "ivan", "password": PASSWORD}).status_code == 302
    client.post("/auth/logout")
    assert 'name="control"' in page(client.get("/recovery/change"))

    request_reset(client)
    deliver()
    continue_from(client, links_in(mailbox.last("ivan@example.org"))[0].removeprefix("http://localhost"))
    monkeypatch.setattr(tokens, "GRANT_KEPT_FOR", timedelta(seconds=-1))
    assert 'name="control"' in page(client.get("/recovery/change"))


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
    assert shows(client.get(link.removeprefix("http://localhost"), follow_redirects=True), messages.RESET_LINK_USED)


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
    for response in (client.get("/recovery/change/not-a-real-token", follow_redirects=True),
                     client.post("/recovery/change/not-a-real-token", follow_redirects=True)):  # fmt: skip
        assert shows(response, messages.RESET_LINK_USED)


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


def test_a_known_and_an_unknown_login_take_the_same_time(app, client, user):
    """Recovery must not tell by its timing which logins exist: both paths make a control string, write the e-mail,
    note the request and answer no sooner than STEADY_ANSWER. Medians of interleaved requests, compared with each
    other in the same run (the property is a ratio, not a speed); without the floor the writes only a real user gets
    show as a 10-20 % difference, which this catches."""
    timings = {"ivan": [], "nobody-at-all": []}
    for _ in range(2):  # warm up templates and the database
        request_reset(client, "ivan"), request_reset(client, "nobody-at-all")
    for _ in range(25):
        for login, spent in timings.items():
            started = time.perf_counter()
            client.post("/recovery/", data={"login": login})
            spent.append(time.perf_counter() - started)
    known, unknown = (statistics.median(spent) for spent in timings.values())
    assert min(known, unknown) >= STEADY_ANSWER
    assert 0.92 < known / unknown < 1.08, f"known {known * 1000:.1f} ms, unknown {unknown * 1000:.1f} ms"


def test_every_request_is_noted_in_the_audit_log_whoever_it_names(app, client, user):
    request_reset(client, "ivan")
    request_reset(client, "nobody-at-all")
    assert [event.actor for event in audited(app, "password_reset_requested")] == ["ivan", "nobody-at-all"]
