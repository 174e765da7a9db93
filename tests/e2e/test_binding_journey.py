"""A tenant binds personal accounts in a real browser: the four-step wizard by code word and by address."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from kabinet.extensions import db
from kabinet.imports import services as imports
from kabinet.models import AccountBinding
from kabinet.organizations import default_organization
from tests.conftest import PASSWORD, make_user
from tests.e2e.conftest import field, log_in

pytestmark = pytest.mark.e2e

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


@pytest.fixture
def tenant(live_server):
    """Ivan, registered and confirmed, and the company's accounts from the sample 1C export."""
    with live_server.app.app_context():
        imports.run("accounts", SAMPLES / "accounts.csv", default_organization())
    make_user(live_server.app)


def next_step(page):
    page.get_by_role("button", name="Далее").click()


def test_bind_by_code_word_then_by_address_and_unbind(page, live_server, tenant, screenshot, browser_problems):
    """The manual's wizard on a phone.

    The first login explains what to do; a wrong code word is refused beside the field with the number kept; Back
    keeps the number but never the code word; the code word opens both of the owner's accounts; a double click on
    "Завершить" binds them once. The profile unbinds one. A tenant without a code word asks by address and sees the
    request waiting in the cabinet.
    """
    page.goto("/auth/login")
    log_in(page, "ivan", PASSWORD)
    expect(page.get_by_role("heading", name="Мой адрес")).to_be_visible()
    screenshot(page, "first-login")
    page.get_by_role("main").get_by_role("link", name="Знаю номер лицевого счета и кодовое слово").click()

    expect(page.locator("[aria-current=step]")).to_have_text("Шаг 1: Способ")
    page.get_by_role("radio", name=re.compile("^По лицевому счету")).check()
    next_step(page)

    expect(page.locator("[aria-current=step]")).to_have_text("Шаг 2: Данные")
    field(page, "Лицевой счет").fill("100101")
    field(page, "Кодовое слово").fill("ROMASHKA-71")
    next_step(page)
    expect(page.get_by_text("Неверный лицевой счет или кодовое слово", exact=True)).to_be_visible()  # beside the field
    expect(field(page, "Лицевой счет")).to_have_value("100101")
    screenshot(page, "wrong-code-word")
    field(page, "Кодовое слово").fill("romashka-17")  # letter case does not matter
    next_step(page)

    expect(page.locator("[aria-current=step]")).to_have_text("Шаг 3: Лицевые счета")
    page.get_by_role("link", name="Назад").click()
    expect(field(page, "Лицевой счет")).to_have_value("100101")
    expect(field(page, "Кодовое слово")).to_have_value("")
    field(page, "Кодовое слово").fill("ROMASHKA-17")
    next_step(page)

    apartment = page.get_by_role("checkbox", name=re.compile("№ 100101"))
    parking = page.get_by_role("checkbox", name=re.compile("№ 100103"))
    expect(apartment).to_be_checked()
    expect(parking).to_be_checked()
    expect(page.get_by_text("100102")).to_have_count(0)  # the neighbour's account stays hidden
    page.get_by_role("radio", name="Собственник").check()
    screenshot(page, "choose-accounts")
    next_step(page)

    expect(page.locator("[aria-current=step]")).to_have_text("Шаг 4: Завершение")
    expect(page.get_by_text("г. Иркутск, ул. Ленина, д. 5, кв. П-3")).to_be_visible()
    screenshot(page, "review")
    page.get_by_role("button", name="Завершить").dblclick()

    expect(page.get_by_text("Лицевые счета привязаны и теперь видны в личном кабинете.")).to_be_visible()
    expect(page.locator('[data-test="account"]')).to_have_count(2)
    screenshot(page, "cabinet-with-accounts")
    with live_server.app.app_context():
        assert db.session.scalar(select(func.count(AccountBinding.id))) == 2

    page.goto("/profile/")
    page.locator('[data-test="bound-account"]', has_text="№ 100103").get_by_role("button", name="Отвязать").click()
    expect(page.get_by_text("Лицевой счет отвязан от вашего профиля.")).to_be_visible()
    expect(page.locator('[data-test="bound-account"]')).to_have_count(1)
    expect(page.locator('[data-test="bound-account"]')).to_contain_text("№ 100101")

    page.goto("/cabinet/")
    page.get_by_role("link", name="Привязать ещё лицевой счет").click()
    page.get_by_role("radio", name=re.compile("^По адресу")).check()
    next_step(page)
    page.get_by_role("combobox", name="Дом").select_option(label="г. Иркутск, ул. Карла Маркса, д. 12")
    field(page, "Квартира или помещение").fill("12А")
    next_step(page)
    page.get_by_role("radio", name="Житель").check()
    next_step(page)
    expect(page.get_by_text("г. Иркутск, ул. Карла Маркса, д. 12, кв. 12А")).to_be_visible()
    page.get_by_role("button", name="Отправить заявку").click()

    expect(page.get_by_text("Заявка на привязку по адресу отправлена.")).to_be_visible()
    pending = page.locator('[data-test="pending"]')
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("г. Иркутск, ул. Карла Маркса, д. 12, кв. 12А — на рассмотрении")
    screenshot(page, "pending-request")
    assert browser_problems == []
