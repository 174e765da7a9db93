"""A day of the dispatch queue in two real browsers: a tenant files a request, the dispatcher takes it and finishes it,
and the tenant sees each status on the request's page and in an e-mail; the queue refreshes itself without losing a
filter being set."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kabinet.dispatch import services as dispatch
from kabinet.extensions import db
from kabinet.models import Account, User
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


def file_for_ivan(app, category: str, description: str) -> int:
    """Ivan files a request, as from his own browser; its number."""
    with app.app_context():
        ivan = db.session.scalar(select(User).filter_by(login="ivan"))
        filed, _ = dispatch.create(ivan, db.session.scalar(select(Account)), category=category,
                                   description=description, location="", contact_phone="+79123456789")  # fmt: skip
        return filed.id


def test_the_queue_refreshes_and_keeps_a_half_set_filter_and_the_focus(desk, live_server, people, screenshot,
                                                                       browser_problems):  # fmt: skip
    """A request filed while the dispatcher is choosing a filter appears within 30 s: the filter chosen but not applied
    stays, the page is not reloaded, focus stays on the link it was on, and a screen reader hears the new count."""
    first = file_for_ivan(live_server.app, "leak", "Течёт кран на кухне.")
    desk.clock.install()  # the page's timers run on a clock the test moves: no waiting 30 s
    desk.goto("/auth/login")
    log_in(desk, "dispatcher", PASSWORD)
    desk.goto("/staff/dispatch/")
    expect(desk.locator('[data-test="request"]')).to_have_count(1)
    desk.evaluate("window.sameDocument = true")  # gone if the page were reloaded
    desk.get_by_role("combobox", name="Что случилось").select_option(label="Лифт")  # «Показать» not pressed yet
    def link():
        return desk.locator(f'[data-test="request"][data-id="{first}"]').get_by_role("link", name=str(first))

    link().focus()

    second = file_for_ivan(live_server.app, "no_water", "Нет холодной воды.")
    desk.clock.run_for(31_000)

    expect(desk.locator(f'[data-test="request"][data-id="{second}"]')).to_contain_text("Нет воды")
    expect(desk.locator('[data-test="request"]')).to_have_count(2)
    expect(desk.get_by_role("combobox", name="Что случилось")).to_have_value("elevator")
    expect(desk.locator('[data-test="new-count"]')).to_have_text("новых: 2")
    expect(desk).to_have_title(re.compile(r"^\(2\) Заявки"))
    expect(desk.locator("[data-queue-announce]")).to_have_text("Новых заявок: 2")
    expect(desk.locator("[data-queue-announce]")).to_have_attribute("aria-live", "polite")
    expect(link()).to_be_focused()  # the same link in the new table
    assert desk.evaluate("window.sameDocument") is True
    screenshot(desk, "refreshed")

    # The filter is applied when the dispatcher asks, and the next refreshes keep it.
    desk.get_by_role("button", name="Показать").click()
    expect(desk.locator('[data-test="empty"]')).to_be_visible()
    third = file_for_ivan(live_server.app, "elevator", "Лифт застрял между этажами.")
    desk.clock.run_for(31_000)
    expect(desk.locator('[data-test="request"]')).to_have_count(1)
    expect(desk.locator(f'[data-test="request"][data-id="{third}"]')).to_be_visible()
    assert browser_problems == []
