"""Issue 13 as a new tenant tries it, in a real browser and a fake Telegram: the bot linked from the profile, the
window-opening reminder by e-mail and in the chat, readings handed in by answering the bot and seen in the cabinet,
and the e-mail reminder turned off with one click while the chat still gets it."""

from datetime import date, timedelta

import pytest
import requests
from babel.dates import format_date
from playwright.sync_api import expect
from sqlalchemy import func, select

from kabinet import clock
from kabinet.extensions import db
from kabinet.models import OutboxMessage
from kabinet.notifications import jobs
from kabinet.organizations import default_organization
from kabinet.readings.services import window
from tests.conftest import PASSWORD, links_in, make_user, text_of
from tests.e2e.conftest import find_in, log_in, wait_for_mail
from tests.factories import make_account, make_meter
from tests.telegram_fake import SECRET, TOKEN
from tests.test_telegram import CHAT, LINK, deliver, fake, months_back, set_window, texts  # noqa: F401 (fake: fixture)

pytestmark = pytest.mark.e2e

EMAIL = "ivan@example.org"


@pytest.fixture
def live_settings(fake):  # noqa: F811 (the imported fixture, asked for by name)
    """The live server's bot talks to the fake Bot API and takes the fake's webhook posts."""
    return {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.url, "TELEGRAM_WEBHOOK_SECRET": SECRET}


class Telegram:
    """Telegram's side of the live server: the fake posts a user's message to the webhook over HTTP, as Telegram
    does, and the live server's queued answers are handed to the fake (the worker's job, run here at once)."""

    def __init__(self, live_server, bot_api):
        self.live_server, self.fake = live_server, bot_api

    def post(self, path, json, headers):
        """FakeBotApi.post_update's client: the live server over HTTP instead of Flask's test client."""
        return requests.post(self.live_server.url + path, json=json, headers=headers, timeout=10)

    def say(self, text: str) -> list[str]:
        """The tenant writes `text` in the chat; what the bot answered to it."""
        before = len(texts(self.fake))
        assert self.fake.post_update(self, self.fake.message(CHAT, text)).status_code == 204
        deliver(self.live_server.app)
        return texts(self.fake)[before:]


@pytest.fixture
def telegram(live_server, fake):  # noqa: F811 (the imported fixture, asked for by name)
    """The tenant's chat with the live server's bot."""
    return Telegram(live_server, fake)


@pytest.fixture
def opening_day(live_server) -> date:
    """ivan (confirmed, no chat yet) with account 100101 and its cold-water meter CW-1, read monthly up to 120 m³
    but not this month; the readings window opens today and stays open to the month's end."""
    app = live_server.app
    account = make_account(app, "100101", user_id=make_user(app))
    with app.app_context():
        today = clock.local_today(default_organization().timezone)
    history = [(months_back(today, 3 - i), 100 + 10 * i) for i in range(3)]
    make_meter(app, account, "CW-1", "cold_water", readings=history)
    set_window(app, today.day, 31)
    return today


def next_opening_day(app, today: date) -> date:
    """The day the window opens next month (its first day is clamped to that month's length)."""
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    with app.app_context():
        return next_month.replace(day=window(default_organization(), next_month)[0])


def e_mails_queued(app) -> int:
    """How many e-mails to ivan the outbox has ever held: counted there, not in the mailbox, so that one the courier
    thread has not delivered yet is not missed."""
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.recipient == EMAIL)
        )


def test_a_tenant_links_telegram_is_reminded_answers_the_bot_and_unsubscribes_in_one_click(
    page, live_server, opening_day, telegram, mailbox, screenshot, browser_problems
):
    """The whole of issue 13's "done when", as ivan meets it."""
    app, bot_api = live_server.app, telegram.fake
    page.goto("/auth/login")
    log_in(page, "ivan", PASSWORD)
    page.goto("/profile/")
    page.get_by_role("button", name="Подключить").click()
    deep_link = page.locator('[data-test="telegram-link"]').get_attribute("href")
    assert LINK.fullmatch(deep_link), deep_link
    screenshot(page, "deep-link")
    # «Запустить» in Telegram: the bot is sent /start with the link's token.
    welcome = telegram.say(f"/start {find_in(deep_link, r'start=(.+)')}")
    assert "Telegram подключён к личному кабинету, Иван" in welcome[0]
    page.reload()
    expect(page.get_by_text("Telegram подключён: бот присылает напоминания")).to_be_visible()

    # The worker's hourly job on the window's first day: one e-mail, one chat message, both in Russian.
    with app.app_context():
        assert jobs.readings_open() == 1
        company, closes_on = default_organization().name, jobs.period(default_organization(), opening_day)[1]
    last_day = format_date(closes_on, "d MMMM", locale="ru")
    reminder = wait_for_mail(mailbox, EMAIL, f"{company}: приём показаний счётчиков открыт")
    assert f"Передайте их до {last_day} включительно" in text_of(reminder)
    deliver(app)
    chat_reminder = texts(bot_api)[-1]
    assert f"Передайте их до {last_day} включительно кнопкой «Передать показания»" in chat_reminder

    # Readings by answering the bot, then seen in the cabinet.
    asked = telegram.say("Передать показания")
    assert "Холодная вода, № CW-1" in asked[0] and "Последнее показание: 120 м³" in asked[0]
    saved = telegram.say("125,5")
    assert "сохранены" in saved[0] and "125,5 м³" in saved[0]
    readings_link = links_in(reminder)[0]
    assert readings_link == f"{live_server.url}/readings/" and chat_reminder.endswith(readings_link)
    page.goto(readings_link)
    expect(page.locator('[data-test="last-reading"]')).to_contain_text("Этот месяц: 125,5 м³")
    screenshot(page, "readings-from-the-bot")

    # A mail client's one-click unsubscribe (RFC 8058): no cookie, no CSRF token, only the header's link.
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click_link = reminder["List-Unsubscribe"].strip("<>")
    one_click = requests.post(one_click_link, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert one_click.status_code == 200 and 'data-test="unsubscribe-done"' in one_click.text
    page.goto(links_in(reminder)[-1])  # the footer's link
    question = f"Больше не присылать на {EMAIL} письма «Открыт приём показаний счётчиков»?"
    expect(page.get_by_text(question)).to_be_visible()
    screenshot(page, "unsubscribe-page")
    page.get_by_role("button", name="Отписаться").click()  # a second unsubscribe is no error
    expect(page.locator('[data-test="unsubscribe-done"]')).to_contain_text("больше не придут")
    page.get_by_role("link", name="Настроить уведомления").click()
    boxes = page.locator('[data-test="notification-choices"] input[type="checkbox"]')
    unticked = [box.get_attribute("aria-label") for box in boxes.all() if not box.is_checked()]
    assert unticked == ["Открыт приём показаний счётчиков: E-mail"] and boxes.count() == 16
    screenshot(page, "notifications")

    # Next month's window: the chat is reminded, the mailbox is not.
    mails_before, chat_before = e_mails_queued(app), len(texts(bot_api))
    assert mails_before == 1  # the first reminder's row is still there: the count below would see a second one
    next_opening = next_opening_day(app, opening_day)
    with app.app_context():
        assert jobs.readings_open(today_of=lambda zone: next_opening) == 1
    deliver(app)
    assert e_mails_queued(app) == mails_before
    assert len(texts(bot_api)) == chat_before + 1 and "Начался приём показаний" in texts(bot_api)[-1]
    assert browser_problems == []
