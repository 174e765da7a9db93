"""A tenant's identity in a real browser: register, confirm the e-mail, log in and out, recover the password."""

import re
from datetime import datetime, timedelta

import pytest
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE
from playwright.sync_api import expect

from tests.conftest import PASSWORD, links_in, text_of
from tests.e2e.conftest import field, find_in, log_in, wait_for_mail

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Tikhaya-Reka-Osen-77"
CONFIRM_SUBJECT = "УК «Наш дом»: Подтверждение регистрации нового пользователя"
RESET_SUBJECT = "УК «Наш дом»: Запрос на смену пароля"
GENERATED = re.compile(r"^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$")  # what the generator in static/js/kabinet.js makes
STRONG = re.compile(r"^(Очень надёжный|Надёжный) пароль$")

IVAN = {
    "Логин": "ivan.petrov",
    "Имя": "Иван",
    "Отчество": "Сергеевич",
    "Фамилия": "Петров",
    "E-mail": "ivan.petrov@example.org",
    "Телефон": "+7 912 345-67-89",
    "Дополнительный телефон": "8 (3952) 59-90-18",
}
MARIA = {
    "Логин": "m.sokolova",
    "Имя": "Мария",
    "Фамилия": "Соколова",
    "E-mail": "m.sokolova@example.org",
    "Телефон": "89141234567",
}


def fill_registration(page, person):
    """Type a person's details into the registration form (the password fields are left to the caller)."""
    for label, value in person.items():
        field(page, label).fill(value)
    page.get_by_role("checkbox", name="Я согласен с условиями соглашения").check()


def set_password(page, password):
    field(page, "Пароль").fill(password)
    field(page, "Повторите пароль").fill(password)


def test_register_confirm_by_link_log_in_out_and_recover_password(
    page, live_server, mailbox, screenshot, browser_problems
):
    """The whole identity journey on a phone, as the manual describes it.

    Registration from the header link, with the password generator and the live strength indicator; confirmation by
    the link in the e-mail; login with "remember me" (an HttpOnly remember cookie) into the cabinet; logout, after
    which neither the cabinet nor a saved copy of the old cookies lets anyone in; recovery by the control string from
    the e-mail, after which the new password works and the old one is refused. No browser errors along the way.
    """
    page.goto("/")
    screenshot(page, "home")
    page.get_by_role("banner").get_by_role("link", name="Регистрация").click()
    expect(page).to_have_url(f"{live_server.url}/registration/")
    expect(page.get_by_role("heading", name="Регистрация")).to_be_visible()

    fill_registration(page, IVAN)
    with page.expect_response(lambda r: r.url.endswith("/auth/password-check") and r.request.method == "POST") as check:
        page.get_by_role("button", name="Сгенерировать пароль").click()
    assert check.value.ok, check.value.text()
    generated = field(page, "Пароль").input_value()
    assert GENERATED.match(generated), generated
    expect(field(page, "Повторите пароль")).to_have_value(generated)
    expect(page.locator("[data-strength-text]")).to_have_text(STRONG)
    screenshot(page, "registration-generated-password")

    set_password(page, PASSWORD)
    screenshot(page, "registration-filled")
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page.get_by_text("На email, указанный вами при регистрации было отправлено письмо")).to_be_visible()
    screenshot(page, "registration-sent")

    confirmation = wait_for_mail(mailbox, IVAN["E-mail"], CONFIRM_SUBJECT)
    confirm_link = links_in(confirmation)[0]
    assert confirm_link.startswith(f"{live_server.url}/registration/confirm/"), confirm_link
    page.goto(confirm_link)
    expect(page.get_by_text("Регистрация пользователя успешно подтверждена.")).to_be_visible()
    screenshot(page, "confirmed-by-link")

    page.get_by_role("link", name="Войти в личный кабинет").click()
    log_in(page, IVAN["Логин"], PASSWORD, remember=True)
    expect(page).to_have_url(f"{live_server.url}/cabinet/")
    expect(page.get_by_role("banner")).to_contain_text("Иван Петров")
    screenshot(page, "cabinet")
    remember = next((c for c in page.context.cookies() if c["name"] == REMEMBER_COOKIE), None)
    assert remember is not None, page.context.cookies()
    assert remember["httpOnly"], remember
    assert datetime.fromtimestamp(remember["expires"]) > datetime.now() + timedelta(days=29), remember

    cookies_before_logout = page.context.cookies()
    page.get_by_role("banner").get_by_role("button", name="Выйти").click()
    expect(page.get_by_text("Вы вышли из личного кабинета.")).to_be_visible()
    screenshot(page, "logged-out")
    assert REMEMBER_COOKIE not in {c["name"] for c in page.context.cookies()}
    page.goto("/cabinet/")
    expect(page).to_have_url(re.compile(r"/auth/login\?next=%2Fcabinet%2F$"))
    page.context.add_cookies(cookies_before_logout)  # a stolen copy of the cookies: the server ended that session
    page.goto("/cabinet/")
    expect(page).to_have_url(re.compile(r"/auth/login\?next=%2Fcabinet%2F$"))

    page.get_by_role("link", name="Забыли пароль?").click()
    field(page, "Логин или E-mail").fill(IVAN["Логин"])
    screenshot(page, "recovery-request")
    page.get_by_role("button", name="Отправить").click()
    expect(page).to_have_url(f"{live_server.url}/recovery/change")
    expect(page.get_by_role("status")).to_contain_text(
        "Контрольная строка, а также ваши регистрационные данные были высланы по E-Mail"
    )
    screenshot(page, "recovery-sent")

    reset = wait_for_mail(mailbox, IVAN["E-mail"], RESET_SUBJECT)
    control = find_in(text_of(reset), r"Контрольная строка для смены пароля: (\S+)")
    field(page, "Логин").fill(IVAN["Логин"])
    field(page, "Контрольная строка").fill(control)
    field(page, "Новый пароль").fill(NEW_PASSWORD)
    field(page, "Подтверждение пароля").fill(NEW_PASSWORD)
    expect(page.locator("[data-strength-text]")).to_have_text(STRONG)
    screenshot(page, "password-change")
    page.get_by_role("button", name="Сменить пароль").click()
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_text("Пароль изменён. Войдите с новым паролем.")).to_be_visible()

    log_in(page, IVAN["Логин"], PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("Неверный логин или пароль")
    screenshot(page, "old-password-refused")
    log_in(page, IVAN["Логин"], NEW_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/cabinet/")
    expect(page.get_by_role("banner")).to_contain_text("Иван Петров")
    screenshot(page, "cabinet-with-new-password")

    assert browser_problems == []


def test_register_and_confirm_by_code(page, live_server, mailbox, screenshot, browser_problems):
    """Confirmation by typing the code: the e-mail's second link opens the code page with the login filled in.

    The code is typed as a person reading it off a phone might (lower case), and the confirmed tenant can log in.
    """
    page.goto("/registration/")
    fill_registration(page, MARIA)
    set_password(page, PASSWORD)
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page.get_by_text("На email, указанный вами при регистрации было отправлено письмо")).to_be_visible()

    confirmation = wait_for_mail(mailbox, MARIA["E-mail"], CONFIRM_SUBJECT)
    code = find_in(text_of(confirmation), r"Ваш код для подтверждения регистрации: (\S+)")
    code_link = links_in(confirmation)[1]
    assert code_link == f"{live_server.url}/registration/confirm?login={MARIA['Логин']}", code_link

    page.goto(code_link)
    expect(field(page, "Логин")).to_have_value(MARIA["Логин"])
    field(page, "Код подтверждения").fill(code.lower())
    screenshot(page, "confirm-code")
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_text("Регистрация пользователя успешно подтверждена.")).to_be_visible()
    screenshot(page, "confirmed-by-code")

    page.get_by_role("link", name="Войти в личный кабинет").click()
    log_in(page, MARIA["Логин"], PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/cabinet/")
    expect(page.get_by_role("banner")).to_contain_text("Мария Соколова")
    assert REMEMBER_COOKIE not in {c["name"] for c in page.context.cookies()}  # "remember me" was left unticked
    screenshot(page, "cabinet")

    assert browser_problems == []
