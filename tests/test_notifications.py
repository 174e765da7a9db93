"""Notifications (issue 13): the tenant's choices, the organization's, and the reminders the worker sends.

The jobs take the day they run on in each organization's time zone (`today_of(zone)`), so the edges of the readings
window are checked by naming the day; every job is run twice and must tell each tenant once.
"""

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from kabinet import messages
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import (
    Account,
    Meter,
    NotificationChoice,
    NotificationSent,
    OrganizationNotices,
    OutboxMessage,
    Reading,
    User,
)
from kabinet.notifications import KINDS, jobs, notify, wants
from kabinet.notifications.services import choices, choose
from kabinet.organizations import default_organization
from kabinet.outbox import deliver_due
from kabinet.staff.organization.forms import AMOUNT, DAY_OF_MONTH
from kabinet.worker.claims import Pace, backoff
from tests.conftest import audited, free_port, logged_in, make_user, page, shows, text_of
from tests.factories import add_history, make_account, make_meter, make_staff, other_organization

NOVEMBER = date(2026, 11, 1)


def run(app, job, day: date, zones: dict | None = None) -> int:
    """Run a job as the worker would on `day` (or on the day each time zone of `zones` has)."""
    with app.app_context():
        return job(today_of=lambda zone: (zones or {}).get(zone, day))


def mail(app) -> list[tuple[str, str]]:
    """The queued e-mails as (recipient, subject), in order."""
    with app.app_context():
        rows = db.session.execute(select(OutboxMessage.recipient, OutboxMessage.subject).order_by(OutboxMessage.id))
        return [tuple(row) for row in rows]


def ticked_in(html: str, name: str) -> bool:
    """Whether the page's checkbox `name` is ticked."""
    [tag] = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
    return " checked" in tag


def recipients(app) -> list[str]:
    return [to for to, _ in mail(app)]


def set_window(app, first: int, last: int, zone: str = "Europe/Moscow") -> None:
    with app.app_context():
        organization = default_organization()
        organization.readings_from_day, organization.readings_until_day, organization.timezone = first, last, zone
        db.session.commit()


def tenant_with_meter(app, login: str, number: str, readings=(), **fields) -> int:
    """A tenant bound to an account of its own with a cold-water meter (and these readings); the user's id."""
    user_id = make_user(app, login=login, email=f"{login}@example.org", **fields)
    make_meter(app, make_account(app, number, premises=number[-2:], user_id=user_id), readings=readings)
    return user_id


def turn_off(app, login: str, kind: str, channel: str = "email") -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.login == login))
        choose(user, {(kind, channel): False})
        db.session.commit()


@pytest.fixture
def window(app):
    """The window from the 10th to the 25th; ivan has not read his meter this month, masha has (on the 3rd, from
    the company's import), olga has no meter, petr has not confirmed his e-mail."""
    set_window(app, 10, 25)
    tenant_with_meter(app, "ivan", "100101")
    tenant_with_meter(app, "masha", "100102", readings=[(date(2026, 11, 3), 12)])
    make_account(app, "100103", premises="3", user_id=make_user(app, login="olga", email="olga@example.org"))
    tenant_with_meter(app, "petr", "100104", confirmed=False)
    return app


# --- the tenant's choices ----------------------------------------------------------------------------------------


def test_everything_is_on_by_default(app, user):
    with app.app_context():
        ivan = db.session.get(User, user)
        assert all(choices(ivan).values())
        assert all(wants(ivan, kind, "email") for kind in KINDS)


def test_the_page_shows_a_checkbox_per_kind_and_only_the_e_mail_column_without_a_bot(app, tenant):
    shown = page(tenant.get("/profile/notifications"))
    assert 'data-test="channel-email"' in shown and 'data-test="channel-telegram"' not in shown
    for kind, about in KINDS.items():
        assert f'name="{kind}__email" value="y" checked' in shown and str(about.label) in shown
    assert 'href="/profile/notifications"' in page(tenant.get("/profile/"))


def test_the_telegram_column_shows_when_the_bot_is_configured(make_app):
    app = make_app(TELEGRAM_BOT_TOKEN="123:abc", TELEGRAM_WEBHOOK_SECRET="s3cret")
    make_user(app)
    assert 'data-test="channel-telegram"' in page(logged_in(app, "ivan").get("/profile/notifications"))


def test_saving_turns_off_the_unticked_kinds_and_keeps_the_hidden_channel(app, tenant, user):
    turn_off(app, "ivan", "announcement", "telegram")  # chosen when the bot was configured; its column is hidden now
    ticked = {f"{kind}__email": "y" for kind in KINDS if kind != "debt"}
    response = tenant.post("/profile/notifications", data=ticked, follow_redirects=True)
    assert shows(response, messages.NOTIFICATIONS_SAVED)
    assert not ticked_in(page(response), "debt__email") and ticked_in(page(response), "readings_open__email")
    with app.app_context():
        ivan = db.session.get(User, user)
        assert not wants(ivan, "debt", "email") and wants(ivan, "readings_open", "email")
        assert not wants(ivan, "announcement", "telegram") and wants(ivan, "debt", "telegram")
    again = tenant.post("/profile/notifications", data=ticked, follow_redirects=True)
    assert shows(again, messages.NOTIFICATIONS_UNCHANGED)


def test_a_choice_back_to_the_default_leaves_no_row(app, user):
    turn_off(app, "ivan", "debt")
    with app.app_context():
        choose(db.session.get(User, user), {("debt", "email"): True})
        db.session.commit()
        assert db.session.scalars(select(NotificationChoice)).all() == []


def test_the_page_needs_a_login(client):
    response = client.get("/profile/notifications")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# --- notify() --------------------------------------------------------------------------------------------------


def test_notify_tells_an_event_once_and_skips_a_switched_off_kind(app, user):
    with app.app_context():
        ivan = db.session.get(User, user)
        link = "http://localhost/readings/"
        closes = date(2026, 11, 25)
        context = {"organization": default_organization(), "closes_on": closes, "link": link}
        assert notify(ivan, "readings_open", "1:2026-11", "notifications/readings_open", **context) == ["email"]
        assert notify(ivan, "readings_open", "1:2026-11", "notifications/readings_open", **context) == []
        choose(ivan, {("readings_open", "email"): False})
        assert notify(ivan, "readings_open", "1:2026-12", "notifications/readings_open", **context) == []
        db.session.commit()
    assert recipients(app) == ["ivan@example.org"]


def test_a_rolled_back_caller_sends_nothing_and_leaves_no_trace(app, user):
    with app.app_context():
        ivan = db.session.get(User, user)
        context = {"organization": default_organization(), "closes_on": NOVEMBER, "link": "http://localhost/"}
        notify(ivan, "readings_open", "1:2026-11", "notifications/readings_open", **context)
        db.session.rollback()
        assert db.session.scalars(select(NotificationSent)).all() == []
    assert mail(app) == []


def test_an_unknown_kind_is_a_programming_error(app, user):
    with app.app_context(), pytest.raises(ValueError):
        notify(db.session.get(User, user), "horoscope", "x", "notifications/readings_open")


# --- the readings window ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, opening, closing",
    [
        (9, [], []),  # not open yet
        (10, ["ivan@example.org"], []),  # the first day
        (22, ["ivan@example.org"], []),  # three days before the last: still the opening's time
        (23, [], ["ivan@example.org"]),  # two days before the last
        (25, [], ["ivan@example.org"]),  # the last day
        (26, [], []),  # closed
    ],
)
def test_the_window_reminders_around_its_edges(window, day, opening, closing):
    today = date(2026, 11, day)
    assert [run(window, jobs.readings_open, today), run(window, jobs.readings_open, today)] == [len(opening), 0]
    assert recipients(window) == opening
    assert [run(window, jobs.readings_closing, today), run(window, jobs.readings_closing, today)] == [len(closing), 0]
    assert recipients(window) == opening + closing


def test_the_closing_reminder_skips_who_has_read_their_meters_since(window):
    run(window, jobs.readings_open, date(2026, 11, 10))
    make_meter(window, make_account(window, "100105", premises="5"), serial="X")  # nobody's: nobody to tell
    with window.app_context():
        meter = db.session.scalar(select(Meter).where(Meter.serial == "CW-1").order_by(Meter.id))
        db.session.add(Reading(meter_id=meter.id, taken_on=date(2026, 11, 12), value=Decimal("5"), source="tenant"))
        db.session.commit()
    assert run(window, jobs.readings_closing, date(2026, 11, 24)) == 0


def test_batches_of_ids_reach_every_tenant_once(window, monkeypatch):
    monkeypatch.setattr(jobs, "BATCH", 2)  # ivan, masha, olga, petr, then these: ranges with nobody to tell too
    for n in range(5):
        tenant_with_meter(window, f"t{n}", f"20010{n}")
    assert run(window, jobs.readings_open, date(2026, 11, 10)) == 6
    assert sorted(recipients(window)) == sorted(["ivan@example.org"] + [f"t{n}@example.org" for n in range(5)])


def test_the_day_is_the_organizations_own(window):
    set_window(window, 10, 25, zone="Asia/Almaty")
    # 23:30 on the 9th in Moscow is already the 10th in Almaty, where the organization's tenants live.
    zones = {"Europe/Moscow": date(2026, 11, 9), "Asia/Almaty": date(2026, 11, 10)}
    assert run(window, jobs.readings_open, date(2026, 11, 9), zones) == 1


@pytest.mark.parametrize(
    "first, last, today, opened, closes",
    [
        (10, 25, date(2026, 11, 15), date(2026, 11, 10), date(2026, 11, 25)),
        (1, 31, date(2026, 2, 14), date(2026, 2, 1), date(2026, 2, 28)),  # the whole month, a short one
        (25, 5, date(2026, 12, 3), date(2026, 11, 25), date(2026, 12, 5)),  # across the month's end
        (25, 5, date(2026, 11, 28), date(2026, 11, 25), date(2026, 12, 5)),
        (25, 5, date(2026, 11, 20), None, None),  # closed
    ],
)
def test_the_window_open_today(app, first, last, today, opened, closes):
    set_window(app, first, last)
    with app.app_context():
        expected = None if opened is None else (opened, closes)
        assert jobs.period(default_organization(), today) == expected


def test_a_switched_off_kind_is_not_sent(window):
    turn_off(window, "ivan", "readings_open")
    assert run(window, jobs.readings_open, date(2026, 11, 10)) == 0 and mail(window) == []


def test_the_organization_may_not_send_a_reminder(window):
    with window.app_context():
        db.session.add(OrganizationNotices(organization_id=default_organization().id, kinds_off=["readings_open"]))
        db.session.commit()
    assert run(window, jobs.readings_open, date(2026, 11, 10)) == 0
    assert run(window, jobs.readings_closing, date(2026, 11, 24)) == 1


def test_the_reminder_is_in_the_tenants_language_with_the_last_day(window, mailbox, deliver):
    run(window, jobs.readings_open, date(2026, 11, 10))
    deliver()
    email = mailbox.last("ivan@example.org")
    assert "приём показаний счётчиков открыт" in email["Subject"]
    assert "до 25 ноября включительно" in text_of(email) and "http://localhost/readings/" in text_of(email)


# --- the receipt and the debt ----------------------------------------------------------------------------------


def test_the_receipt_ready_goes_once_to_the_tenants_of_charged_accounts(app):
    ivan = make_user(app)
    add_history(app, make_account(app, user_id=ivan), NOVEMBER, 1)
    make_account(app, "100102", premises="2", user_id=make_user(app, login="masha", email="masha@example.org"))
    assert run(app, jobs.receipt_ready, date(2026, 11, 30)) == 1
    assert run(app, jobs.receipt_ready, date(2026, 11, 30)) == 0
    [(to, subject)] = mail(app)
    assert to == "ivan@example.org" and "квитанция за ноябрь 2026 готова" in subject


def test_an_old_month_loaded_late_is_not_news(app):
    add_history(app, make_account(app, user_id=make_user(app)), date(2026, 6, 1), 1)
    assert run(app, jobs.receipt_ready, date(2026, 11, 30)) == 0


@pytest.fixture
def debtors(app):
    """ivan owes 1 881,75 ₽ (November unpaid); masha owes 50 ₽; the debt reminder is on the 20th from 100 ₽."""
    add_history(app, make_account(app, user_id=make_user(app)), NOVEMBER, 1, payment=None)
    masha = make_user(app, login="masha", email="masha@example.org")
    add_history(app, make_account(app, "100102", premises="2", user_id=masha), NOVEMBER, 1,
                services=[("Вывоз мусора", "1", "1", "", "50.00")], payment=None)  # fmt: skip
    make_staff(app)
    admin = logged_in(app, "admin")
    response = admin.post("/staff/organization/notices", data=notices_form(debt_day="20", debt_minimum="100"))
    assert response.status_code == 302
    return app


def test_the_debt_reminder_goes_on_the_day_with_the_amount(debtors, mailbox, deliver):
    assert run(debtors, jobs.debt, date(2026, 11, 19)) == 0
    assert [run(debtors, jobs.debt, date(2026, 11, 20)), run(debtors, jobs.debt, date(2026, 11, 21))] == [1, 0]
    deliver()
    assert [m["To"] for m in mailbox.messages] == ["ivan@example.org"]
    text = re.sub(r"\s", " ", text_of(mailbox.last("ivan@example.org")))  # the amount's spaces do not break
    assert "№ 100101, г. Иркутск, ул. Ленина, д. 5, кв. 1: 1 881,75 ₽" in text


def test_a_day_past_the_months_end_means_its_last_day(debtors):
    with debtors.app_context():
        db.session.get(OrganizationNotices, default_organization().id).debt_day = 31
        db.session.commit()
    assert run(debtors, jobs.debt, date(2026, 11, 30)) == 1


def test_a_tenant_of_two_organizations_hears_from_each(app):
    ivan = make_user(app)
    add_history(app, make_account(app, user_id=ivan), NOVEMBER, 1)
    other = other_organization(app, user_id=ivan)
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.organization_id == other))
    add_history(app, account.id, NOVEMBER, 1)
    assert run(app, jobs.receipt_ready, date(2026, 11, 30)) == 2


# --- the organization's settings -------------------------------------------------------------------------------


def notices_form(**changes) -> dict:
    form = {f"send_{kind}": "y" for kind, about in KINDS.items() if about.scheduled}
    return {**form, "debt_day": "20", "debt_minimum": "100", **changes}


def test_the_admin_sets_what_the_organization_sends(app):
    make_staff(app)
    admin = logged_in(app, "admin")
    shown = page(admin.get("/staff/organization/notices"))
    assert 'name="send_debt"' in shown and 'value="20"' in shown
    data = notices_form(debt_day="5", debt_minimum="250,50")
    del data["send_receipt_ready"]
    response = admin.post("/staff/organization/notices", data=data, follow_redirects=True)
    assert shows(response, messages.ORGANIZATION_NOTICES_SAVED)
    with app.app_context():
        notices = db.session.get(OrganizationNotices, default_organization().id)
        assert (notices.kinds_off, notices.debt_day, notices.debt_minimum) == (["receipt_ready"], 5, Decimal("250.50"))
    assert "debt day 5, from 250.50" in audited(app, "organization.notices")[-1].details


@pytest.mark.parametrize(
    "field, typed, message",
    [
        ("debt_day", "0", DAY_OF_MONTH),
        ("debt_day", "32", DAY_OF_MONTH),
        ("debt_day", "", DAY_OF_MONTH),
        ("debt_day", "двадцать", DAY_OF_MONTH),
        ("debt_minimum", "-1", AMOUNT),
        ("debt_minimum", "", AMOUNT),
        ("debt_minimum", "сто", AMOUNT),
        ("debt_minimum", "10,555", AMOUNT),
        ("debt_minimum", "1e400", AMOUNT),
    ],
)
def test_a_bad_setting_is_refused_beside_its_field(app, field, typed, message):
    make_staff(app)
    response = logged_in(app, "admin").post("/staff/organization/notices", data=notices_form(**{field: typed}))
    assert response.status_code == 200 and str(message) in page(response) and f'value="{typed}"' in page(response)
    with app.app_context():
        assert db.session.get(OrganizationNotices, default_organization().id) is None


# --- delivery pacing -------------------------------------------------------------------------------------------


def test_the_outbox_keeps_to_its_rate():
    now, waits = [0.0], []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    pace = Pace(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        pace()
    assert waits == [0.25] * 4 and now[0] == 1.0
    unpaced = Pace(0, clock=lambda: 0.0, sleep=sleep)
    unpaced()
    unpaced()
    assert len(waits) == 4


@pytest.mark.parametrize(
    "rate, rounds, waited", [(1, [60, 1], 59.0), (0, [61, 0], 0.0)], ids=["1 a second", "0: no limit"]
)
def test_a_paced_round_sends_a_minutes_worth_and_leaves_the_rest_for_the_next(make_app, mailbox, rate, rounds, waited):
    app = make_app(MAIL_RATE_PER_SECOND=rate)
    with app.app_context():
        db.session.add_all(
            OutboxMessage(recipient=f"t{n}@example.org", subject="Т", body_text="…", body_html="…") for n in range(61)
        )
        db.session.commit()
        now = [0.0]
        pace = Pace(rate, clock=lambda: now[0], sleep=lambda seconds: now.__setitem__(0, now[0] + seconds))
        assert (deliver_due(pace=pace).sent, now[0]) == (rounds[0], waited)  # one a second; without a rate, no wait
        assert deliver_due(pace=pace).sent == rounds[1]  # without a rate, as for Telegram, all went in one round
    assert len(mailbox.messages) == 61


def test_a_reminder_waits_while_the_mail_server_is_down_and_goes_once(make_app, mailbox, smtp_server):
    app = make_app(MAIL_PORT=free_port())  # nobody listens there
    add_history(app, make_account(app, user_id=make_user(app)), NOVEMBER, 1)
    run(app, jobs.receipt_ready, date(2026, 11, 30))
    with app.app_context():
        assert deliver_due().retried == 1
    assert run(app, jobs.receipt_ready, date(2026, 11, 30)) == 0  # told already: the message waits in the outbox
    with app.app_context():
        app.extensions["mail"].port = smtp_server[1]  # the server is back
        assert deliver_due(clock=utcnow() + backoff(1)).sent == 1
    assert [m["To"] for m in mailbox.messages] == ["ivan@example.org"]
