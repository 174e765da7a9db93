"""The manual's first login on a platform of several organizations, in a real browser: registration with the e-mail as
login, the address form («Создать»), the code word with the organization found, and the account in the cabinet."""

import pytest
from playwright.sync_api import expect

from kabinet.accounts import codewords
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import Account
from tests.conftest import PASSWORD, links_in
from tests.e2e.conftest import field, log_in, wait_for_mail
from tests.factories import make_account, other_organization

pytestmark = pytest.mark.e2e

EMAIL = "ildar.azimov@example.org"
CODE_WORD = "KLEN-4521"


@pytest.fixture
def klen(live_server):
    """Two organizations; ТСЖ «Клён» serves «г. Иркутск, ул. Кленовая, д. 2», its account 200101 has a code word."""
    app = live_server.app
    make_account(app, "100101")
    other_organization(app, address="г. Иркутск, ул. Кленовая, д. 1")
    with app.app_context():
        account = db.session.scalar(db.select(Account).where(Account.number == "200101"))
        codewords.issue(account, CODE_WORD, utcnow())
        db.session.commit()


def test_register_by_email_create_the_address_and_bind_by_code_word(page, live_server, klen, mailbox, screenshot,
                                                                    browser_problems):  # fmt: skip
    """No login typed: the e-mail is the login. At the first login the cabinet asks for the address; a house not on
    the platform offers the waiting list; the right one is found at ТСЖ «Клён», whose code word binds the account."""
    page.goto("/registration/")
    for label, value in {"Имя": "Ильдар", "Фамилия": "Азимов", "E-mail": EMAIL, "Телефон": "+7 912 345-67-89"}.items():
        field(page, label).fill(value)
    field(page, "Пароль").fill(PASSWORD)
    field(page, "Повторите пароль").fill(PASSWORD)
    page.get_by_role("checkbox", name="Я согласен с условиями соглашения").check()
    page.get_by_role("button", name="Зарегистрироваться").click()
    # Two organizations: a newcomer, nobody's tenant yet, hears from the platform, not from the first of them.
    confirmation = wait_for_mail(mailbox, EMAIL, "Личный кабинет жителя: Подтверждение регистрации нового пользователя")
    page.goto(links_in(confirmation)[0])
    page.get_by_role("link", name="Войти в личный кабинет").click()
    log_in(page, EMAIL, PASSWORD)

    expect(page.get_by_role("heading", name="Мой адрес")).to_be_visible()
    screenshot(page, "first-login-address")
    address = {"Город": "Иркутск", "Улица": "Кленовая", "Дом": "3", "Квартира или помещение": "7"}
    for label, value in address.items():
        field(page, label).fill(value)
    page.get_by_role("button", name="Создать").click()
    expect(page.get_by_role("heading", name="Ваш КСК ещё не подключён к платформе")).to_be_visible()
    expect(field(page, "E-mail")).to_have_value(EMAIL)
    expect(field(page, "Улица")).to_have_value("Кленовая")  # what was typed stays

    field(page, "Дом").fill("д. 2")
    page.get_by_role("button", name="Создать").click()
    expect(page.get_by_role("heading", name="Ваш дом найден")).to_be_visible()
    expect(page.get_by_role("radio", name="г. Иркутск, ул. Кленовая, д. 2 — ТСЖ «Клён»")).to_be_checked()
    screenshot(page, "house-found")
    page.get_by_role("button", name="По кодовому слову из письма компании").click()

    expect(page.get_by_text("которое вам сообщили в ТСЖ «Клён»")).to_be_visible()
    field(page, "Лицевой счет").fill("200101")
    field(page, "Кодовое слово").fill(CODE_WORD)
    page.get_by_role("button", name="Далее").click()
    expect(page.get_by_role("radio", name="Собственник")).to_be_checked()  # chosen in the address form
    page.get_by_role("button", name="Далее").click()
    page.get_by_role("button", name="Завершить").click()

    expect(page.get_by_text("Лицевые счета привязаны и теперь видны в личном кабинете.")).to_be_visible()
    expect(page.locator('[data-test="account"]')).to_contain_text("№ 200101")
    screenshot(page, "cabinet")
    assert browser_problems == []
