"""A day of the dispatch queue in two real browsers: a tenant files a request, the dispatcher takes it and finishes it,
and the tenant sees each status on the request's page and in an e-mail."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, make_user, text_of
from tests.e2e.conftest import PHONE, field, log_in, wait_for_mail, watch
from tests.factories import make_account, make_staff

pytestmark = pytest.mark.e2e

SUBJECT = "УК «Наш дом»: Заявка № {number} — {status}"


@pytest.fixture
def people(live_server):
    """Ivan with account 100101, and the dispatcher Olga."""
    app = live_server.app
    make_account(app, "100101", user_id=make_user(app))
    make_staff(app, "dispatcher")


@pytest.fixture
def desk(chromium, live_server, browser_problems):
    """The dispatcher's own browser (a desktop one, with its own cookies), watched for errors like the tenant's."""
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="ru-RU")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    watch(tab, browser_problems)
    yield tab
    context.close()


def set_status(desk, status: str, comment: str):
    form = desk.get_by_role("region", name="Изменить статус")
    form.get_by_role("combobox", name="Новый статус").select_option(label=status)
    field(form, "Комментарий для жителя").fill(comment)
    form.get_by_role("button", name="Сохранить статус").click()


def test_a_dispatcher_takes_a_request_from_new_to_done_while_the_tenant_follows(
    page, desk, live_server, people, mailbox, screenshot, browser_problems
):
    """The tenant's request appears in the queue as new; «В работе» then «Выполнена», each with a comment, show on
    the tenant's page and arrive by e-mail with the comment."""
    assert page.viewport_size == PHONE
    page.goto("/auth/login")
    log_in(page, "ivan", PASSWORD)
    page.goto("/dispatch/new")
    page.get_by_role("combobox", name="Что случилось").select_option(label="Нет воды")
    field(page, "Описание").fill("Нет холодной воды <на кухне> с утра.")
    page.get_by_role("button", name="Отправить заявку").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(r"Заявка № \d+"))
    number = re.search(r"\d+", heading.inner_text()).group()
    status = heading.locator('[data-test="status"]')
    expect(status).to_have_text("Новая")

    desk.goto("/auth/login")
    log_in(desk, "dispatcher", PASSWORD)
    expect(desk).to_have_url(f"{live_server.url}/staff/")  # staff land in the back office
    desk.get_by_role("navigation", name="Разделы офиса").get_by_role("link", name="Заявки").click()
    expect(desk).to_have_title(re.compile(r"^\(1\) Заявки"))
    expect(desk.locator('[data-test="new-count"]')).to_have_text("новых: 1")
    row = desk.locator(f'[data-test="request"][data-id="{number}"]')
    expect(row).to_contain_text("Нет воды")
    expect(row).to_contain_text("г. Иркутск, ул. Ленина, д. 5, кв. 1")
    screenshot(desk, "queue")
    row.get_by_role("link", name=number).click()
    expect(desk.locator('[data-test="description"]')).to_have_text("Нет холодной воды <на кухне> с утра.")
    expect(desk.locator('[data-test="phone"]')).to_have_attribute("href", "tel:+79123456789")

    set_status(desk, "В работе", "Сантехник будет в 12:00.")
    expect(desk.get_by_role("status")).to_have_text(f"Заявка № {number}: статус «В работе». Житель получит письмо.")
    expect(desk.get_by_role("heading", level=1).locator('[data-test="status"]')).to_have_text("В работе")
    screenshot(desk, "taken")
    mail = wait_for_mail(mailbox, "ivan@example.org", SUBJECT.format(number=number, status="В работе"))
    assert "Комментарий диспетчера: Сантехник будет в 12:00." in text_of(mail)
    page.reload()
    expect(status).to_have_text("В работе")
    expect(page.locator('[data-test="event"]').last).to_contain_text("Сантехник будет в 12:00.")

    set_status(desk, "Выполнена", "Заменили вентиль.")
    expect(desk.get_by_role("heading", level=1).locator('[data-test="status"]')).to_have_text("Выполнена")
    mail = wait_for_mail(mailbox, "ivan@example.org", SUBJECT.format(number=number, status="Выполнена"))
    assert "Комментарий диспетчера: Заменили вентиль." in text_of(mail)
    page.reload()
    expect(status).to_have_text("Выполнена")
    expect(page.locator('[data-test="event"]').last).to_contain_text("Заменили вентиль.")
    screenshot(page, "tenant-sees-done")

    desk.get_by_role("link", name="К очереди заявок").click()
    expect(desk.locator('[data-test="new-count"]')).to_have_text("новых: 0")
    expect(desk.locator(f'[data-test="request"][data-id="{number}"]')).to_have_count(0)  # closed: out of the queue
    assert browser_problems == []
