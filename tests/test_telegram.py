"""The Telegram bot: linking from the profile, the webhook's secret, the conversation (balance, readings), the paced
and retried outbox, polling, and the sender the notifications call. Against a fake Bot API on 127.0.0.1."""

import re
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask import render_template
from sqlalchemy import select

from kabinet import clock, messages
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import Account, Reading, TelegramChat, TelegramLinkToken, TelegramMessage, TelegramPolling, User
from kabinet.notifications import jobs
from kabinet.notifications.services import choose
from kabinet.organizations import default_organization
from kabinet.telegram import conversation, outbox, polling, services
from kabinet.worker.claims import Pace
from tests.conftest import audited, make_user, page, queries, shows
from tests.factories import make_account, make_meter, other_organization
from tests.telegram_fake import SECRET, TOKEN, USERNAME, FakeBotApi

CHAT = 777000111
LINK = re.compile(rf"https://t\.me/{USERNAME}\?start=([A-Za-z0-9_-]+)")


@pytest.fixture
def fake():
    api = FakeBotApi()
    api.start()
    yield api
    api.stop()


@pytest.fixture
def app(make_app, fake):
    return make_app(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.url, TELEGRAM_WEBHOOK_SECRET=SECRET)


def deliver(app, **kwargs):
    with app.app_context():
        return outbox.deliver_due(pace=Pace(1000, sleep=lambda s: None), **kwargs)


def texts(fake, chat=CHAT) -> list[str]:
    """What the chat received, with the no-break spaces of amounts and numbers as plain ones."""
    return [text.replace("\xa0", " ") for text in fake.texts(chat)]


def say(app, fake, text, chat=CHAT, language="ru"):
    """The user writes `text` in the chat; what the bot answered to it (delivered through the fake)."""
    before = len(fake.texts(chat))
    response = fake.post_update(app.test_client(), fake.message(chat, text, language))
    assert response.status_code == 204
    deliver(app)
    return texts(fake, chat)[before:]


def deep_link_token(tenant) -> str:
    response = tenant.post("/telegram/link", follow_redirects=True)
    found = LINK.search(page(response))
    assert found, page(response)
    return found[1]


@pytest.fixture
def linked(app, fake, tenant):
    """The tenant ivan, logged in, with the chat CHAT linked."""
    say(app, fake, f"/start {deep_link_token(tenant)}")
    return tenant


def chat_of(app, login="ivan"):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.login == login))
        chat = services.chat_of(user)
        return chat.chat_id if chat else None


# --- without a token ---------------------------------------------------------------------------------------------


def test_without_a_token_the_feature_is_invisible(make_app, fake):
    app = make_app(TELEGRAM_WEBHOOK_SECRET=SECRET)
    make_user(app)
    client = app.test_client()
    client.post("/auth/login", data={"login": "ivan", "password": "Zelenaya-Lampa-42"})
    assert "telegram" not in page(client.get("/profile/")).lower()
    assert fake.post_update(client, fake.message(CHAT, "/start x")).status_code == 404
    assert client.post("/telegram/link").status_code == 404
    assert fake.calls == []


def test_webhook_mode_refuses_to_start_without_a_secret(make_app, fake):
    with pytest.raises(RuntimeError, match="TELEGRAM_WEBHOOK_SECRET"):
        make_app(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=None)


# --- linking -----------------------------------------------------------------------------------------------------


def test_a_tenant_links_the_chat_from_the_profile_through_the_deep_link(app, fake, tenant):
    assert "Подключить" in page(tenant.get("/profile/"))
    token = deep_link_token(tenant)
    with app.app_context():
        stored = db.session.scalar(select(TelegramLinkToken))
        assert stored.digest != token and stored.expires_at - utcnow() <= timedelta(minutes=30)
    replies = say(app, fake, f"/start {token}")
    assert "Telegram подключён к личному кабинету, Иван" in replies[0]
    keyboard = fake.sent(CHAT)[-1]["reply_markup"]["keyboard"]
    assert [button["text"] for button in keyboard[0]] == ["Баланс", "Передать показания"]
    assert chat_of(app) == CHAT
    assert "Telegram подключён" in page(tenant.get("/profile/"))
    assert audited(app, services.LINKED)[0].target == f"telegram:{CHAT}"


@pytest.mark.parametrize("secret", [None, "", "forged", SECRET + "x"])
def test_an_update_without_the_right_secret_is_refused_and_nothing_is_done(app, fake, tenant, secret):
    token = deep_link_token(tenant)
    response = fake.post_update(app.test_client(), fake.message(CHAT, f"/start {token}"), secret=secret)
    assert response.status_code == 403
    deliver(app)
    assert chat_of(app) is None and fake.sent() == []


def spend(app, token):
    with app.app_context():
        db.session.scalar(select(TelegramLinkToken)).used_at = utcnow()
        db.session.commit()


def expire(app, token):
    with app.app_context():
        db.session.scalar(select(TelegramLinkToken)).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()


@pytest.mark.parametrize(
    "spoil, reply",
    [
        (spend, "уже использована"),
        (expire, "Срок действия ссылки истёк"),
        (lambda app, token: None, None),  # the token itself is fine: it is the text sent that is not it
    ],
)
def test_a_used_expired_or_unknown_link_token_gets_a_polite_reply_and_links_nothing(app, fake, tenant, spoil, reply):
    token = deep_link_token(tenant)
    spoil(app, token)
    sent = token if reply else token[::-1]
    answer = say(app, fake, f"/start {sent}")
    assert reply or "Эта ссылка не подходит", answer
    assert (reply or "Эта ссылка не подходит") in answer[0]
    assert chat_of(app) is None


def test_a_link_token_works_once(app, fake, tenant):
    token = deep_link_token(tenant)
    say(app, fake, f"/start {token}")
    answer = say(app, fake, f"/start {token}", chat=CHAT + 1)
    assert "уже использована" in answer[0]
    assert chat_of(app) == CHAT


def test_stop_in_the_chat_unlinks_it(app, fake, linked):
    answer = say(app, fake, "/stop")
    assert str(messages.TELEGRAM_FAREWELL.text) in answer
    assert chat_of(app) is None
    assert "Подключить" in page(linked.get("/profile/"))
    assert audited(app, services.UNLINKED)
    assert "подключите его в личном кабинете" in say(app, fake, "Баланс")[0]


def test_unlinking_from_the_profile_tells_the_chat(app, fake, linked):
    response = linked.post("/telegram/unlink", follow_redirects=True)
    assert shows(response, messages.TELEGRAM_UNLINKED)
    assert chat_of(app) is None
    deliver(app)
    assert fake.sent(CHAT)[-1]["reply_markup"] == {"remove_keyboard": True}


def test_a_group_chat_is_ignored(app, fake, tenant):
    token = deep_link_token(tenant)
    fake.post_update(app.test_client(), fake.message(CHAT, f"/start {token}", chat_type="group"))
    deliver(app)
    assert chat_of(app) is None and fake.sent() == []


# --- the balance ---------------------------------------------------------------------------------------------------


def add_debt(app, account_id, amount):
    with app.app_context():
        db.session.get(Account, account_id).opening_balance = Decimal(amount)
        db.session.commit()


def test_the_balance_of_each_account_in_its_organizations_currency(app, fake, linked, user):
    add_debt(app, make_account(app, "100101", user_id=user), "1234.50")
    organization = other_organization(app, "300001", user_id=user, country="KZ")
    with app.app_context():
        kz = db.session.scalar(select(Account).where(Account.organization_id == organization))
        kz.opening_balance = Decimal("-500.00")
        db.session.commit()
    answer = say(app, fake, "Баланс")[0]
    assert "№ 100101" in answer and "К оплате: 1 234,50 ₽" in answer
    assert "№ 300001" in answer and "Переплата: 500,00 ₸" in answer
    assert "http://localhost/balance/" in answer


def test_the_bot_answers_in_the_users_language(app, fake, user, tenant):
    with app.app_context():
        db.session.get(User, user).language = "en"
        db.session.commit()
    add_debt(app, make_account(app, "100101", user_id=user), "1234.50")
    say(app, fake, f"/start {deep_link_token(tenant)}")
    keyboard = fake.sent(CHAT)[-1]["reply_markup"]["keyboard"]
    assert keyboard[0][0]["text"] == "Balance"
    answer = say(app, fake, "Balance")[0]
    assert "₽1,234.50" in answer


def test_a_stranger_is_answered_in_telegrams_language_when_kabinet_has_it(app, fake):
    english, unknown = say(app, fake, "hello", language="en"), say(app, fake, "hallo", language="de")
    assert "connect it in your tenant portal" in english[0]
    assert "подключите его в личном кабинете" in unknown[0]  # a language Kabinet lacks falls back to Russian


# --- readings ------------------------------------------------------------------------------------------------------


def months_back(today: date, count: int) -> date:
    index = today.year * 12 + today.month - 1 - count
    return date(index // 12, index % 12 + 1, 20)


def set_window(app, first, last):
    with app.app_context():
        organization = default_organization()
        organization.readings_from_day, organization.readings_until_day = first, last
        db.session.commit()


@pytest.fixture
def today(app):
    with app.app_context():
        return clock.local_today(default_organization().timezone)


@pytest.fixture
def meters(app, user, today):
    """Two meters of ivan's one account, each read monthly (about 10 a month), none this month; the window open."""
    account = make_account(app, "100101", user_id=user)
    history = [(months_back(today, 3 - i), 100 + 10 * i) for i in range(3)]
    cold = make_meter(app, account, "CW-1", "cold_water", readings=history)
    hot = make_meter(app, account, "HW-1", "hot_water", readings=history)
    set_window(app, 1, 31)
    return account, cold, hot


def test_readings_given_to_the_bot_show_in_the_cabinet(app, fake, linked, meters):
    account, cold, hot = meters
    ask = say(app, fake, "Передать показания")[0]
    assert "Холодная вода, № CW-1" in ask and "Последнее показание: 120 м³" in ask
    refused = say(app, fake, "119")[0]
    assert "не может быть меньше предыдущего" in refused
    assert "Горячая вода, № HW-1" in say(app, fake, "125,5")[0]
    done = say(app, fake, "127")[0]
    assert "сохранены" in done and "125,5 м³" in done and "127 м³" in done
    with app.app_context():
        values = {r.meter_id: r.value for r in db.session.scalars(select(Reading).where(Reading.source == "tenant"))}
    assert values == {cold: Decimal("125.500"), hot: Decimal("127.000")}
    cabinet = page(linked.get(f"/readings/{account}"))
    assert "125,5" in cabinet and "127" in cabinet


def test_an_unusual_consumption_is_confirmed_first(app, fake, linked, meters):
    account, cold, hot = meters
    say(app, fake, "Передать показания")
    question = say(app, fake, "500")[0]
    assert "намного больше обычного" in question and "Подтвердить?" in question
    assert "Холодная вода" in say(app, fake, "Нет, ввести заново")[0]
    say(app, fake, "500")
    assert "Горячая вода" in say(app, fake, "Да, сохранить")[0]
    assert "сохранены" in say(app, fake, "Пропустить")[0]
    with app.app_context():
        assert db.session.scalar(select(Reading.value).where(Reading.source == "tenant")) == Decimal("500.000")


def test_cancel_leaves_nothing_saved(app, fake, linked, meters):
    say(app, fake, "Передать показания")
    say(app, fake, "125")
    assert say(app, fake, "Отмена") == ["Отменено."]
    say(app, fake, "127")
    with app.app_context():
        assert db.session.scalar(select(Reading).where(Reading.source == "tenant")) is None


def test_outside_the_window_the_bot_tells_its_dates(app, fake, linked, meters, today):
    first, last = (20, 25) if today.day < 20 else (1, 5)
    set_window(app, first, last)
    answer = say(app, fake, "Передать показания")[0]
    assert f"с {first} по {last} число месяца" in answer


def test_a_window_that_closes_while_the_tenant_types_saves_nothing_and_says_so_as_the_page_does(
    app, fake, linked, meters, today
):
    """The rule is submit's own: the conversation, begun inside the window, is refused at its save."""
    account, cold, hot = meters
    say(app, fake, "Передать показания")
    say(app, fake, "125")
    set_window(app, *((20, 25) if today.day < 20 else (1, 5)))
    [refused] = say(app, fake, "127")
    assert refused.startswith("Приём показаний закрыт. Следующий приём откроется ")
    with app.app_context():
        assert db.session.scalar(select(Reading).where(Reading.source == "tenant")) is None
    assert "Холодная вода" not in say(app, fake, "130")[0]  # the conversation ended: no meter is asked for


def test_with_several_accounts_the_bot_asks_which(app, fake, linked, meters, user):
    make_account(app, "100102", premises="2", user_id=user)
    question = say(app, fake, "Передать показания")[0]
    assert question == "Выберите лицевой счёт:"
    buttons = [row[0]["text"] for row in fake.sent(CHAT)[-1]["reply_markup"]["keyboard"]]
    assert buttons[0].startswith("№ 100101") and buttons[1].startswith("№ 100102")
    assert "нет счётчиков" in say(app, fake, buttons[1])[0]
    say(app, fake, "Передать показания")
    assert "Холодная вода" in say(app, fake, "№ 100101")[0]


# --- the outbox: pacing, retries, the Bot API down -----------------------------------------------------------------


def queue_messages(app, count, chat=CHAT):
    with app.app_context():
        for n in range(count):
            outbox.queue(chat, f"message {n}")
        db.session.commit()


def test_delivery_is_paced_to_the_rate(app, fake):
    queue_messages(app, 10)
    waits = []
    pace = Pace(5, clock=lambda: 0.0, sleep=waits.append)
    with app.app_context():
        assert outbox.deliver_due(pace=pace).sent == 10
    assert waits == pytest.approx([0.2 * n for n in range(1, 10)])  # the clock stood still: each waits its turn
    assert fake.texts() == [f"message {n}" for n in range(10)]


@pytest.mark.parametrize("rate, rounds", [(1, [10, 2]), (0, [12, 0])], ids=["1 a second", "0: no limit"])
def test_a_round_sends_at_most_ten_seconds_worth_and_leaves_the_rest_to_the_next(make_app, fake, rate, rounds):
    app = make_app(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.url, TELEGRAM_WEBHOOK_SECRET=SECRET,
                   TELEGRAM_RATE_PER_SECOND=rate)  # fmt: skip
    queue_messages(app, 12)
    # The worker's other jobs (the e-mail) are not held up for long; without a rate, as for the e-mail, all go at once.
    assert [deliver(app).sent, deliver(app).sent] == rounds


def test_a_429_is_retried_after_the_time_telegram_asks(app, fake):
    queue_messages(app, 2)
    fake.fail_next(429, "Too Many Requests: retry after 7", retry_after=7)
    now = utcnow()
    report = deliver(app, clock=now)
    assert (report.sent, report.retried) == (0, 1) and fake.sent() == []
    assert deliver(app, clock=now + timedelta(seconds=6)).sent == 0
    assert deliver(app, clock=now + timedelta(seconds=8)).sent == 2


def test_a_server_error_is_retried_with_backoff_and_given_up_at_last(make_app, fake):
    app = make_app(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.url, TELEGRAM_WEBHOOK_SECRET=SECRET,
                   TELEGRAM_MAX_ATTEMPTS=3)  # fmt: skip
    queue_messages(app, 1)
    fake.fail_next(502, "Bad Gateway", times=3)
    now = utcnow()
    deliver(app, clock=now)
    assert deliver(app, clock=now + timedelta(seconds=29)).retried == 0  # 30 s after the first failure
    assert deliver(app, clock=now + timedelta(seconds=31)).retried == 1
    assert deliver(app, clock=now + timedelta(hours=1)).failed == 1
    with app.app_context():
        message = db.session.scalar(select(TelegramMessage))
        assert message.failed_at and message.attempts == 3 and "502" in message.last_error


def test_nothing_is_lost_while_the_bot_api_is_down(app, fake, user):
    with app.app_context():
        db.session.add(TelegramChat(user_id=user, chat_id=CHAT))
        db.session.commit()
    fake.stop()
    with app.app_context():
        assert services.send(db.session.get(User, user), "notifications/debt", _debt_context(app, user))
        db.session.commit()
    now = utcnow()
    assert deliver(app, clock=now).retried == 1
    fake.start()
    assert deliver(app, clock=now + timedelta(minutes=1)).sent == 1
    assert "задолженности" in fake.texts(CHAT)[0]


def test_a_user_who_blocked_the_bot_is_unlinked(app, fake, linked):
    queue_messages(app, 1)
    fake.fail_next(403, "Forbidden: bot was blocked by the user")
    assert deliver(app).failed == 1
    assert chat_of(app) is None
    assert audited(app, outbox.UNLINKED)


# --- the sender of the notifications -------------------------------------------------------------------------------


def _debt_context(app, user_id):
    """What the debt reminder gets: the account (ivan's 100101, made if need be), the amount and the link."""
    account = db.session.scalar(select(Account)) or db.session.get(Account, make_account(app, user_id=user_id))
    return {"debts": [(account, Decimal("1500.00"))], "currency": "RUB", "link": "http://localhost/balance/"}


def test_send_queues_in_the_users_language_only_to_a_linked_chat(app, fake, linked, user):
    make_account(app, "100101", user_id=user)
    with app.app_context():
        ivan = db.session.get(User, user)
        assert services.is_linked(ivan)
        assert services.send(ivan, "notifications/debt", _debt_context(app, user)) is True
        db.session.rollback()  # the caller's transaction rolled back: nothing goes
        assert services.send(ivan, "notifications/debt", _debt_context(app, user)) is True
        db.session.commit()
        stranger = db.session.get(User, make_user(app, login="petr", email="petr@example.org"))
        assert not services.is_linked(stranger)
        assert services.send(stranger, "notifications/debt", _debt_context(app, user)) is False
    before = len(fake.texts(CHAT))
    deliver(app)
    sent = texts(fake)[before:]
    assert len(sent) == 1 and "1 500,00 ₽" in sent[0] and "№ 100101" in sent[0]


@pytest.mark.parametrize(
    "template",
    ["notifications/readings_open", "notifications/readings_closing", "notifications/receipt_ready",
     "notifications/debt", "dispatch/status", "dispatch/comment", "staff/book_answer", "staff/announcement",
     "documents/published"],
)  # fmt: skip
def test_every_notification_has_a_short_telegram_text_with_its_link(app, user, template):
    context = {
        "closes_on": date(2026, 11, 25), "month": date(2026, 10, 1), "currency": "RUB",
        "request": SimpleNamespace(id=5), "status": "Выполнена", "category": "Протечка", "comment": "",
        "answer": "Починим", "entry": None, "announcement": SimpleNamespace(title="Вода", body="Нет воды"),
        "document": SimpleNamespace(title="Отчёт", issued_on=date(2026, 11, 1)), "link": "http://localhost/x",
    }  # fmt: skip
    with app.test_request_context():
        account = db.session.get(Account, make_account(app, user_id=user))
        debts = [(account, Decimal("10.00"))]
        text = render_template(f"telegram/{template}.txt", user=db.session.get(User, user), debts=debts, **context)
    assert text.strip().endswith("http://localhost/x") and len(text) < 2000


# --- polling and the command line ----------------------------------------------------------------------------------


def test_polling_answers_each_update_once(make_app, fake, user):
    app = make_app(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.url, TELEGRAM_MODE="polling")
    make_account(app, "100101", user_id=user)
    with app.app_context():
        db.session.add(TelegramChat(user_id=user, chat_id=CHAT))
        db.session.commit()
    fake.updates = [fake.message(CHAT, "Баланс"), fake.message(CHAT, "/balance")]
    with app.app_context():
        assert polling.poll() == 2
        assert polling.poll() == 0
        assert db.session.get(TelegramPolling, polling.CURSOR).next_update_id == fake.updates[-1]["update_id"] + 1
    deliver(app)
    assert len(fake.texts(CHAT)) == 2 and "Баланс на сегодня" in fake.texts(CHAT)[0]
    assert fake.post_update(app.test_client(), fake.message(CHAT, "Баланс")).status_code == 404  # no webhook


def test_an_update_the_bot_cannot_answer_does_not_stop_the_later_ones(make_app, fake, user, monkeypatch):
    app = make_app(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.url, TELEGRAM_MODE="polling")
    with app.app_context():
        db.session.add(TelegramChat(user_id=user, chat_id=CHAT))
        db.session.commit()
    answer = conversation.handle

    def fails_on_the_first(update):
        if update["update_id"] == fake.updates[0]["update_id"]:
            raise RuntimeError("the database went away")
        answer(update)

    monkeypatch.setattr(conversation, "handle", fails_on_the_first)
    fake.updates = [fake.message(CHAT, "Баланс"), fake.message(CHAT, "Отмена")]
    with app.app_context():
        assert polling.poll() == 1
        assert polling.poll() == 0
    deliver(app)
    assert texts(fake) == ["Отменено."]


def test_set_webhook_gives_telegram_the_secret(app, fake):
    result = app.test_cli_runner().invoke(args=["telegram", "set-webhook", "https://lk.example.ru/telegram/webhook"])
    assert result.exit_code == 0, result.output
    assert fake.called("setWebhook") == [{"url": "https://lk.example.ru/telegram/webhook", "secret_token": SECRET,
                                          "allowed_updates": ["message"]}]  # fmt: skip
    refused = app.test_cli_runner().invoke(args=["telegram", "set-webhook", "http://lk.example.ru/telegram/webhook"])
    assert refused.exit_code != 0 and "https://" in refused.output


# --- what does not belong ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "update",
    [
        [],
        "text",
        {"update_id": 1},
        {"message": "hello"},
        {"message": {"text": "Баланс"}},
        {"message": {"text": "Баланс", "chat": {"id": "777", "type": "private"}}},
        {"message": {"text": "Баланс", "chat": {"id": True, "type": "private"}}},
        {"message": {"text": ["Баланс"], "chat": {"id": CHAT, "type": "private"}}},
        {"message": {"text": "/start " + "x" * 5000, "chat": {"id": CHAT, "type": "private"}, "from": "me"}},
        {"message": {"text": "\x00/stop", "chat": {"id": CHAT, "type": "private"}, "from": {"language_code": 7}}},
    ],
)
def test_a_malformed_update_is_answered_without_an_error(app, fake, update):
    response = app.test_client().post(
        "/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert response.status_code in (204, 400)
    deliver(app)
    with app.app_context():
        assert db.session.scalar(select(TelegramChat)) is None


def test_the_link_is_not_made_while_telegram_is_out_of_reach(make_app, fake, user):
    app = make_app(TELEGRAM_BOT_TOKEN=TOKEN + "-other", TELEGRAM_API_URL=fake.url, TELEGRAM_WEBHOOK_SECRET=SECRET)
    fake.stop()
    client = app.test_client()
    client.post("/auth/login", data={"login": "ivan", "password": "Zelenaya-Lampa-42"})
    response = client.post("/telegram/link", follow_redirects=True)
    assert shows(response, messages.TELEGRAM_UNAVAILABLE) and not LINK.search(page(response))
    with app.app_context():
        assert db.session.scalar(select(TelegramLinkToken)) is None


def test_the_sweep_forgets_spent_tokens_and_old_messages(app, fake, linked):
    with app.app_context():
        db.session.add(TelegramLinkToken(digest="x" * 64, user_id=1, expires_at=utcnow() - timedelta(minutes=1)))
        db.session.scalar(select(TelegramMessage)).sent_at = utcnow() - timedelta(days=31)
        db.session.commit()
        assert services.sweep() == 2  # the expired token and the month-old message; ivan's spent one is still young


def test_a_meter_the_company_read_meanwhile_is_refused_at_the_end(app, fake, linked, meters, today):
    account, cold, hot = meters
    say(app, fake, "Передать показания")
    say(app, fake, "125")
    with app.app_context():
        db.session.add(Reading(meter_id=cold, taken_on=today, value=Decimal("124"), source="staff"))
        db.session.commit()
    assert "уже записала управляющая компания" in say(app, fake, "127")[0]
    assert say(app, fake, "128") == ["Выберите действие кнопкой ниже."]  # the conversation is over
    with app.app_context():
        assert db.session.scalar(select(Reading).where(Reading.source == "tenant")) is None


# --- the notifications' Telegram channel -------------------------------------------------------------------------


@pytest.mark.parametrize("turned_off", [False, True])
def test_the_window_reminder_reaches_the_chat_unless_turned_off_there(app, fake, linked, meters, turned_off):
    if turned_off:
        with app.app_context():
            choose(db.session.scalar(select(User).where(User.login == "ivan")), {("readings_open", "telegram"): False})
            db.session.commit()
    before = texts(fake)
    with app.app_context():
        today = clock.local_today(default_organization().timezone)
    with app.app_context():
        jobs.readings_open(today_of=lambda zone: today.replace(day=1))
    deliver(app)
    arrived = texts(fake)[len(before):]
    assert (len(arrived) == 1 and "показания" in arrived[0].lower()) != turned_off, arrived
    with app.app_context():
        jobs.readings_open(today_of=lambda zone: today.replace(day=1))  # the job again: the event is told once
    deliver(app)
    assert texts(fake)[len(before):] == arrived


def test_a_reminder_to_many_reads_their_chats_once_per_batch(app):
    set_window(app, 1, 31)
    chats = {}
    for n in range(3):
        user_id = make_user(app, login=f"tenant{n}", email=f"tenant{n}@example.org")
        make_meter(app, make_account(app, f"10010{n}", premises=str(n), user_id=user_id), "CW-1", "cold_water")
        chats[user_id] = 5000 + n
    with app.app_context():
        db.session.add_all(TelegramChat(user_id=user_id, chat_id=chat) for user_id, chat in chats.items())
        db.session.commit()
        first_day = clock.local_today(default_organization().timezone).replace(day=1)
    with app.app_context(), queries(app) as counted:
        assert jobs.readings_open(today_of=lambda zone: first_day) == 3
    assert len([sql for sql in counted.statements if "FROM telegram_chats" in sql]) == 1  # not one a tenant
    with app.app_context():
        assert sorted(db.session.scalars(select(TelegramMessage.chat_id))) == sorted(chats.values())
