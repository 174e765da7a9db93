"""A tenant's month in a real browser: balance, readings, the receipt, a dispatch request, the book; and a visitor's
contacts and feedback."""

import io
import re
from datetime import date
from pathlib import Path
from typing import NamedTuple

import pytest
from babel.dates import format_date
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from kabinet.clock import local_today
from kabinet.extensions import db
from kabinet.models import Feedback
from kabinet.organizations import default_organization
from tests.conftest import PASSWORD, make_user, text_of
from tests.e2e.conftest import field, log_in, wait_for_mail
from tests.factories import REQUISITES, add_history, make_account, make_meter

pytestmark = pytest.mark.e2e

ACCOUNT = "100101"
COLD = [100, 104.5, 109, 113.2, 117.9, 122, 126.5]  # a reading on the 20th of each of the last seven months
HOT = [50, 52.5, 55, 57.5, 60.1, 62.4, 64.9]
FEEDBACK_SUBJECT = "УК «Наш дом»: Обратная связь, сообщение № {number}"


class Tenant(NamedTuple):
    today: date  # in the installation's time zone, as the readings page counts months
    last_month: date  # the newest month with charges: the latest receipt


def months_back(today: date, count: int, day: int = 1) -> date:
    """That day of the month `count` months before today's."""
    index = today.year * 12 + today.month - 1 - count
    return date(index // 12, index % 12 + 1, day)


def monthly(today: date, values) -> list[tuple[date, float]]:
    """Readings on the 20th of the past months, the last value in the last month: never today, never ahead of it."""
    return [(months_back(today, len(values) - i, day=20), v) for i, v in enumerate(values)]


def month_name(month: date) -> str:
    return format_date(month, "LLLL yyyy", locale="ru")


def dotted(day: date) -> str:
    return f"{day:%d.%m.%Y}"


@pytest.fixture
def tenant(live_server):
    """Ivan with one account: a year of charges and payments, cold and hot water meters read monthly until last
    month, and an organization that takes readings the whole month (so today is always inside the window)."""
    app = live_server.app
    user_id = make_user(app)
    account_id = make_account(app, ACCOUNT, user_id=user_id)
    with app.app_context():
        today = local_today()
        organization = default_organization()
        organization.readings_from_day, organization.readings_until_day = 1, 31
        db.session.commit()
    last_month = months_back(today, 1)
    add_history(app, account_id, months_back(today, 12), 12)
    make_meter(app, account_id, "CW-1", "cold_water", readings=monthly(today, COLD))
    make_meter(app, account_id, "HW-1", "hot_water", readings=monthly(today, HOT))
    return Tenant(today, last_month)


def jpeg(folder) -> str:
    """A small photo as a phone would attach it."""
    path = folder / "IMG_0001.jpg"
    out = io.BytesIO()
    Image.new("RGB", (320, 240), "steelblue").save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def natural_width(image) -> int:
    """The width of an <img> as the browser decoded it once loaded; 0 when the image failed to load."""
    image.scroll_into_view_if_needed()
    return image.evaluate("img => img.decode().then(() => img.naturalWidth, () => 0)")


def services_of(page):
    """The services under the account's card on the cabinet home."""
    return page.get_by_role("navigation", name=f"Услуги по лицевому счету № {ACCOUNT}")


def to_cabinet(page):
    page.get_by_role("navigation", name="Разделы кабинета").get_by_role("link", name="Кабинет").click()


def test_tenant_month_balance_readings_receipt_request_and_book(
    page, live_server, tenant, tmp_path, screenshot, browser_problems
):
    """Issue 4's journey on a phone, one tenant from login to the book.

    The cabinet's card shows the debt and the services; the balance opens a month to its services; a reading below
    the last one is refused beside its field with both typed values kept, then valid ones are accepted and shown;
    the latest receipt shows the payee's INN and a QR code that loads, and its PDF downloads with the account number
    in it; a request with a photo gets its number, status and photo, takes a comment and is cancelled; a complaint
    in the book waits for an answer in "Мои записи". No browser errors along the way.
    """
    page.goto("/auth/login")
    log_in(page, "ivan", PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/cabinet/")
    card = page.locator('[data-test="account"]')
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading", name=f"Лицевой счет № {ACCOUNT}")).to_be_visible()
    # A year of 1 881,75 ₽ a month against 1 000 ₽ payments: a debt of at least 12 × 881,75 − the last payment.
    expect(card.locator('[data-test="owed"]')).to_have_text(re.compile(r"^Задолженность: [\d\s]+,\d\d\s₽$"))
    expect(card.locator('[data-test="meters-due"]')).to_contain_text("Счётчиков без показаний в этом месяце: 2.")
    for service in (
        "Посмотреть баланс лицевого счета",
        "Передать показания",
        "Распечатать квитанцию",
        "Отправить заявку в аварийно-диспетчерскую службу",
        "Написать в книгу жалоб и предложений",
    ):
        expect(services_of(page).get_by_role("link", name=service)).to_be_visible()
    screenshot(page, "cabinet")

    # --- the balance
    services_of(page).get_by_role("link", name="Посмотреть баланс лицевого счета").click()
    expect(page.get_by_role("heading", name="Баланс лицевого счета")).to_be_visible()
    expect(page.locator('[data-test="balance"]')).to_contain_text("Задолженность")
    month = page.locator(f'[data-test="month"][data-month="{tenant.last_month:%Y-%m}"]')
    expect(month).to_be_visible()
    charges = page.get_by_role("table", name=f"Начисления за {month_name(tenant.last_month)}")
    expect(charges).to_be_hidden()
    month.locator("summary").click()  # a tap on the month, as on a phone
    expect(charges).to_be_visible()
    expect(charges.get_by_role("row", name=re.compile("^Содержание жилья"))).to_be_visible()
    expect(charges.get_by_role("row", name=re.compile("^Холодное водоснабжение"))).to_be_visible()
    screenshot(page, "balance-month-open")

    # --- the readings
    to_cabinet(page)
    services_of(page).get_by_role("link", name="Передать показания").click()
    expect(page.get_by_role("heading", name="Передать показания", level=1)).to_be_visible()
    expect(page.locator('[data-test="window"]')).to_contain_text("Показания принимаются в течение всего месяца.")
    cold = page.get_by_role("region", name="Холодная вода")
    hot = page.get_by_role("region", name="Горячая вода")
    last_reading_on = dotted(months_back(tenant.today, 1, day=20))
    expect(cold.locator('[data-test="last-reading"]')).to_contain_text(f"126,5 м³ от {last_reading_on}")
    field(cold, "Новое показание, м³").fill("120")
    field(hot, "Новое показание, м³").fill("67,3")
    page.get_by_role("button", name="Передать показания").click()
    expect(cold.get_by_role("alert")).to_contain_text(
        f"Показание не может быть меньше предыдущего: 126,5 м³ от {last_reading_on}."
    )
    summary = page.locator('[data-test="refused"]')  # at the top, for a phone where the field is far down
    expect(summary).to_contain_text("Показания не приняты: проверьте отмеченные поля.")
    summary.get_by_role("link", name="Холодная вода, № CW-1").click()
    expect(page).to_have_url(re.compile(r"#meter_\d+$"))
    expect(field(cold, "Новое показание, м³")).to_have_value("120")
    expect(field(cold, "Новое показание, м³")).to_have_attribute("aria-invalid", "true")
    expect(field(hot, "Новое показание, м³")).to_have_value("67,3")
    screenshot(page, "reading-below-last")
    field(cold, "Новое показание, м³").fill("130,25")
    page.get_by_role("button", name="Передать показания").click()
    expect(page.get_by_role("status")).to_have_text("Показания приняты. Спасибо!")
    today = dotted(tenant.today)
    expect(cold.locator('[data-test="last-reading"]')).to_contain_text(f"Этот месяц: 130,25 м³ от {today}")
    expect(hot.locator('[data-test="last-reading"]')).to_contain_text(f"Этот месяц: 67,3 м³ от {today}")
    screenshot(page, "readings-accepted")

    # --- the receipt
    to_cabinet(page)
    expect(page.locator('[data-test="meters-due"]')).to_have_count(0)
    services_of(page).get_by_role("link", name="Распечатать квитанцию").click()
    receipts = page.get_by_role("list", name="Квитанции по месяцам")
    expect(receipts.get_by_role("listitem")).to_have_count(12)
    screenshot(page, "receipts")
    latest = re.compile(f"^{month_name(tenant.last_month)}$", re.IGNORECASE)
    receipts.get_by_role("listitem").first.get_by_role("link", name=latest).click()
    expect(page.get_by_role("heading", name="Единый платёжный документ")).to_be_visible()
    payee = page.get_by_role("region", name="Получатель платежа")
    expect(payee).to_contain_text(REQUISITES["name"])
    expect(payee).to_contain_text(f"ИНН {REQUISITES['inn']}, КПП {REQUISITES['kpp']}")
    expect(page.get_by_role("region", name="Плательщик")).to_contain_text(f"Лицевой счёт № {ACCOUNT}")
    qr = page.get_by_role("img", name=re.compile(f"^QR-код для оплаты .* по лицевому счету № {ACCOUNT}$"))
    expect(qr).to_be_visible()
    assert natural_width(qr) > 0
    expect(page.get_by_role("button", name="Печать")).to_be_visible()  # receipt.js ran under the CSP
    screenshot(page, "receipt")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Скачать PDF").click()
    download = downloading.value
    assert download.suggested_filename == f"kvitanciya-{ACCOUNT}-{tenant.last_month:%Y-%m}.pdf"
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF"), pdf[:20]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert ACCOUNT in text, text
    assert REQUISITES["inn"] in text, text

    # --- a request to the dispatch service, with a photo
    to_cabinet(page)
    services_of(page).get_by_role("link", name="Отправить заявку в аварийно-диспетчерскую службу").click()
    expect(page.get_by_role("heading", name="Отправить заявку в аварийно-диспетчерскую службу")).to_be_visible()
    expect(page.get_by_role("combobox", name="Лицевой счет")).to_have_value(re.compile(r"^\d+$"))
    expect(field(page, "Где")).to_have_value("г. Иркутск, ул. Ленина, д. 5, кв. 1")
    expect(field(page, "Контактный телефон")).not_to_have_value("")
    page.get_by_role("combobox", name="Что случилось").select_option(label="Протечка")
    field(page, "Описание").fill("Течёт кран горячей воды под раковиной на кухне,\nс утра.")
    page.get_by_label("Фотографии").set_input_files(jpeg(tmp_path))
    screenshot(page, "request-form")
    page.get_by_role("button", name="Отправить заявку").click()

    heading = page.get_by_role("heading", level=1)
    status = heading.locator('[data-test="status"]')
    expect(heading).to_contain_text(re.compile(r"^\s*Заявка № \d+\s"))
    expect(status).to_have_text("Новая")
    number = re.search(r"\d+", heading.inner_text()).group()
    expect(page.get_by_role("status")).to_contain_text(f"Заявка № {number} принята.")
    description = page.locator('[data-test="description"]')
    expect(description).to_contain_text("Течёт кран горячей воды под раковиной на кухне,")
    assert description.inner_text() == "Течёт кран горячей воды под раковиной на кухне,\nс утра."  # the line break kept
    photo = page.get_by_role("img", name="Фото 1 к заявке")
    expect(photo).to_be_visible()
    assert natural_width(photo) > 0
    screenshot(page, "request-filed")
    field(page, "Комментарий").fill("Перекрыл воду, дома после 18:00.")
    page.get_by_role("button", name="Отправить комментарий").click()
    expect(page.get_by_role("status")).to_have_text("Комментарий добавлен.")
    expect(page.locator('[data-test="event"]').last).to_contain_text("Перекрыл воду, дома после 18:00.")
    confirm = page.get_by_role("button", name="Да, отменить заявку")
    expect(confirm).to_be_hidden()  # one tap does not cancel: it opens the warning first
    page.get_by_text("Отменить заявку…").click()
    expect(page.get_by_text("Диспетчерская служба не будет выполнять отменённую заявку.")).to_be_visible()
    confirm.click()
    expect(page.get_by_role("status")).to_have_text("Заявка отменена.")
    expect(status).to_have_text("Отменена")
    expect(page.get_by_text("Отменить заявку…")).to_have_count(0)
    screenshot(page, "request-cancelled")

    # --- the complaints and suggestions book
    to_cabinet(page)
    services_of(page).get_by_role("link", name="Написать в книгу жалоб и предложений").click()
    expect(page.get_by_role("heading", name="Написать в книгу жалоб и предложений")).to_be_visible()
    page.get_by_role("radio", name="Жалоба").check()
    field(page, "Тема").fill("Не убирают во дворе")
    field(page, "Текст").fill("Во дворе дома 5 по ул. Ленина вторую неделю не вывозят мусор.")
    screenshot(page, "book-form")
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_role("status")).to_contain_text("Запись добавлена в книгу жалоб и предложений.")
    expect(page.get_by_role("heading", name="Не убирают во дворе")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Книга жалоб и предложений").click()
    mine = page.get_by_role("region", name="Мои записи")
    entry = mine.locator('[data-test="entry"]')
    expect(entry).to_have_count(1)
    expect(entry.get_by_role("link", name="Не убирают во дворе")).to_be_visible()
    expect(entry.locator('[data-test="state"]')).to_have_text("ожидает ответа")
    expect(entry).to_contain_text("Жалоба")
    screenshot(page, "book-mine")

    assert browser_problems == []


def test_visitor_reads_contacts_and_writes_feedback(page, live_server, mailbox, screenshot, browser_problems):
    """A visitor who is not logged in finds the company's phones and writes to it; the company gets the e-mail."""
    make_account(live_server.app, ACCOUNT)  # gives the organization its requisites
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Контакты").click()
    expect(page.get_by_role("heading", name="Контакты", level=1)).to_be_visible()
    company = page.get_by_role("region", name=REQUISITES["name"])
    expect(company).to_contain_text(REQUISITES["address"])
    expect(company.get_by_role("link", name=REQUISITES["phones"])).to_have_attribute("href", re.compile(r"^tel:\+7"))
    expect(company.get_by_role("link", name=REQUISITES["dispatch_phone"])).to_be_visible()
    expect(company.get_by_role("link", name=REQUISITES["email"])).to_have_attribute(
        "href", f"mailto:{REQUISITES['email']}"
    )
    expect(company).to_contain_text(REQUISITES["opening_hours"])
    screenshot(page, "contacts")

    page.get_by_role("main").get_by_role("link", name="Обратная связь").click()
    expect(page.get_by_role("heading", name="Обратная связь")).to_be_visible()
    field(page, "Ваше имя").fill("Мария Соколова")
    field(page, "E-mail или телефон").fill("maria@example.org")
    field(page, "Сообщение").fill("Когда будет перерасчёт за отопление?")
    screenshot(page, "feedback-form")
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_role("status")).to_have_text(
        "Сообщение отправлено. Мы ответим по указанному e-mail или телефону."
    )
    expect(field(page, "Сообщение")).to_have_value("")
    screenshot(page, "feedback-sent")

    with live_server.app.app_context():
        number = db.session.scalar(select(Feedback.id))
    sent = wait_for_mail(mailbox, REQUISITES["email"], FEEDBACK_SUBJECT.format(number=number))
    assert "Когда будет перерасчёт за отопление?" in text_of(sent)
    assert "maria@example.org" in text_of(sent)

    assert browser_problems == []
