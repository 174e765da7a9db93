"""Issue 10's "done": a new company on an empty installation, from its first admin to a tenant's payment QR code.

No demo data and no factories: everything the tenant finally pays is typed, uploaded or clicked by the company's staff
in the browser (only the first admin comes from the command line, as the README says), and the QR code is read back
as a banking app reads it.
"""

import io
import re
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.dates import format_date
from playwright.sync_api import expect
from pypdf import PdfReader

from kabinet.clock import local_today
from tests.conftest import links_in
from tests.e2e.conftest import browser_tab, field, find_in, log_in, wait_for_mail
from tests.test_receipts import decode_qr

pytestmark = pytest.mark.e2e

ADMIN_EMAIL = "director@uk-angara.example.org"
ADMIN_LOGIN = "director"  # made of the e-mail by `staff create`
ADMIN_PASSWORD = "Tikhaya-Reka-Osen-77"
FIRST_RUN_NAME = "УК «Наш дом»"  # COMPANY_NAME's default: the company's name until the admin types its own
DESKTOP = {"width": 1280, "height": 900}

# A real company's requisites as the admin copies them from its papers; the numbers' check digits are right.
COMPANY = {
    "Наименование": "ООО «УК «Ангара»»",
    "ИНН": "3808123457",
    "КПП": "380801001",
    "ОГРН": "1033800123455",
    "Банк": "ПАО Сбербанк",
    "БИК": "042520607",
    "Расчетный счет": "40702 810 8 1835 0001234",  # as a bank's letter prints it; stored without the spaces
    "Корреспондентский счет": "30101810900000000607",
    "Адрес": "г. Иркутск, ул. Карла Маркса, д. 40, офис 12",
    "Телефоны": "+7 (3952) 20-30-40, 20-30-41",
    "Телефон диспетчерской службы": "+7 (3952) 20-30-49",
    "E-mail": "office@uk-angara.example.org",
    "Часы работы": "Пн–Пт 9:00–18:00, обед 13:00–14:00",
}
SETTLEMENT = "40702810818350001234"
MISTYPED_SETTLEMENT = "40702 810 8 1835 0001235"  # one digit off: the account's key no longer fits the БИК
ACCOUNT_KEY_WRONG = "Счёт не сходится с БИК: проверьте номер расчётного счёта и БИК банка."
HOUSE = "г. Иркутск, ул. Байкальская, д. 105"

TENANT = {
    "Логин": "e.smirnova",
    "Имя": "Елена",
    "Отчество": "Викторовна",
    "Фамилия": "Смирнова",
    "E-mail": "e.smirnova@example.org",
    "Телефон": "+7 914 123-45-67",
}
TENANT_PASSWORD = "Zelenaya-Lampa-42"
TENANT_ACCOUNT = "300101"
OPENING_BALANCE = Decimal("1250.00")  # the debt carried over from the previous company
# The tenant's charges for last month: service, tariff, quantity, unit, amount.
CHARGES = [
    ("Содержание жилого помещения", "32,50", "48,60", "кв. м", "1579,50"),
    ("Холодное водоснабжение", "45,12", "5,000", "куб. м", "225,60"),
    ("Отопление", "2850,11", "0,870", "Гкал", "2479,60"),
]
NEIGHBOUR_CHARGES = [("Содержание жилого помещения", "32,50", "63,20", "кв. м", "2054,00")]
# What her receipt asks for: the debt carried over and the month's charges, nothing paid yet.
DUE = OPENING_BALANCE + sum(Decimal(amount.replace(",", ".")) for *_, amount in CHARGES)
DUE_SHOWN = re.compile(r"^5\s534,70\s₽$")  # DUE as the receipt writes it


def months_before(today: date, count: int) -> date:
    index = today.year * 12 + today.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def as_1c_writes(rows: list[list[str]]) -> bytes:
    """A CSV as 1C saves it for Excel: Windows-1251, semicolons, CRLF."""
    return "".join(";".join(row) + "\r\n" for row in rows).encode("cp1251")


def accounts_file() -> bytes:
    header = ["Лицевой счет", "Адрес", "Квартира", "Собственник", "Площадь", "Проживающих", "Сальдо"]
    return as_1c_writes([
        header,
        [TENANT_ACCOUNT, HOUSE, "1", "Смирнова Елена Викторовна", "48,60", "2", "1\u00a0250,00"],  # 1C's thousands
        ["300102", HOUSE, "2", "Кузнецов Андрей Павлович", "63,20", "3", "0,00"],
        ["300103", HOUSE, "3", "Орлова Мария Ивановна", "36,10", "1", ""],
    ])  # fmt: skip


def charges_file(month: date) -> bytes:
    header = ["Лицевой счет", "Период", "Услуга", "Тариф", "Объем", "Ед. изм.", "Начислено"]
    rows = [[TENANT_ACCOUNT, f"{month:%d.%m.%Y}", *charge] for charge in CHARGES]
    rows += [["300102", f"{month:%d.%m.%Y}", *charge] for charge in NEIGHBOUR_CHARGES]
    return as_1c_writes([header, *rows])


def kopecks(amount: Decimal) -> str:
    """An amount as ГОСТ Р 56042-2014's Sum writes it: whole kopecks."""
    return str(int(amount * 100))


@pytest.fixture
def office(chromium, live_server, browser_problems, request):
    """The admin's browser: a desktop tab of its own (the tenant's phone is `page`); its last screen kept on failure."""
    with browser_tab(chromium, live_server, browser_problems, request, "failure-office", viewport=DESKTOP) as tab:
        yield tab


@contextmanager
def downloaded(tab):
    """The bytes of the file the block's click downloads."""
    result = {}
    with tab.expect_download() as downloading:
        yield result
    result["data"] = Path(downloading.value.path()).read_bytes()
    result["name"] = downloading.value.suggested_filename


def upload(tab, kind: str, name: str, data: bytes, expect_created: int):
    """Upload a file at «Загрузка и выгрузка», read its preview, press «Применить»."""
    tab.get_by_role("navigation", name="Разделы офиса").get_by_role("link", name="Загрузка и выгрузка").click()
    tab.get_by_role("radio", name=kind, exact=True).check()
    tab.get_by_label("Файл CSV или XLSX").set_input_files({"name": name, "mimeType": "text/csv", "buffer": data})
    tab.get_by_role("button", name="Проверить файл").click()
    expect(tab.get_by_role("heading", name="Проверка файла")).to_be_visible()
    expect(tab.locator('[data-test="counts"]')).to_contain_text(f"будет создано: {expect_created}")


def step_done(tab, key: str):
    return tab.locator(f'[data-test="step-{key}"]')


def test_a_new_company_sets_up_and_its_tenant_pays_by_qr(
    page, office, live_server, mailbox, screenshot, browser_problems, tmp_path
):
    """Issue 10's criterion as one journey: the first admin from the CLI and the e-mailed invitation; requisites with
    a typo refused beside its field and everything typed kept; a house; the accounts and last month's charges files
    from 1C with their previews; code words read from the printed letters; the dashboard's checklist; a tenant who
    registers, confirms, binds by the code word and saves the receipt's QR code, which holds what the admin typed."""
    app = live_server.app
    with app.app_context():
        last_month = months_before(local_today(), 1)

    # --- 1. the first admin, as the README says: `flask --app wsgi staff create --email ... --role admin`
    created = app.test_cli_runner().invoke(args=["staff", "create", "--email", ADMIN_EMAIL, "--role", "admin"])
    assert created.exit_code == 0, created.output
    assert f"Приглашение отправлено на {ADMIN_EMAIL}." in created.output
    invitation = wait_for_mail(mailbox, ADMIN_EMAIL, f"{FIRST_RUN_NAME}: Приглашение в офис компании")
    link = next(link for link in links_in(invitation) if "/staff/team/invitation/" in link)
    assert link in created.output  # printed on the console too
    office.goto(link)
    expect(office.get_by_role("heading", name="Приглашение в офис компании")).to_be_visible()
    office.get_by_role("button", name="Продолжить").click()
    expect(office.get_by_role("heading", name="Задайте пароль")).to_be_visible()
    expect(office.get_by_text(f"Ваш логин: {ADMIN_LOGIN}.")).to_be_visible()
    field(office, "Пароль").fill(ADMIN_PASSWORD)
    field(office, "Повторите пароль").fill(ADMIN_PASSWORD)
    office.get_by_role("button", name="Задать пароль").click()
    expect(office).to_have_url(f"{live_server.url}/auth/login")
    log_in(office, ADMIN_LOGIN, ADMIN_PASSWORD)
    expect(office.get_by_role("heading", name="Обзор")).to_be_visible()
    expect(step_done(office, "requisites")).to_have_attribute("data-done", "no")
    expect(office.locator('[data-test="checklist"]')).to_contain_text("Сделано 1 из 7.")  # the mail server only
    screenshot(office, "admin-first-login")
    staff_menu = office.get_by_role("navigation", name="Разделы офиса")

    # --- 2. the requisites, first with a typo in the settlement account
    staff_menu.get_by_role("link", name="Организация").click()
    expect(office.get_by_role("heading", name="Организация")).to_be_visible()
    for label, value in {**COMPANY, "Расчетный счет": MISTYPED_SETTLEMENT}.items():
        field(office, label).fill(value)
    office.get_by_role("spinbutton", name="Показания принимаются с").fill("20")
    office.get_by_role("spinbutton", name="по", exact=True).fill("25")
    office.get_by_role("button", name="Сохранить").click()
    settlement = field(office, "Расчетный счет")
    expect(settlement).to_have_attribute("aria-invalid", "true")
    expect(settlement).to_have_accessible_description(re.compile(re.escape(ACCOUNT_KEY_WRONG)))
    expect(office.locator('[aria-invalid="true"]')).to_have_count(1)  # the only field refused
    for label, value in COMPANY.items():
        if label != "Расчетный счет":
            expect(field(office, label)).to_have_value(value)
    expect(settlement).to_have_value(MISTYPED_SETTLEMENT.replace(" ", ""))  # kept as typed, without the spaces
    expect(office.get_by_role("spinbutton", name="Показания принимаются с")).to_have_value("20")
    screenshot(office, "requisites-typo")
    settlement.fill(COMPANY["Расчетный счет"])
    office.get_by_role("button", name="Сохранить").click()
    expect(office.get_by_text("Настройки организации сохранены.")).to_be_visible()
    expect(settlement).to_have_value(SETTLEMENT)
    expect(office.get_by_role("banner")).to_contain_text(COMPANY["Наименование"])

    # --- 3. a house
    office.get_by_role("main").get_by_role("link", name="Дома").click()
    field(office, "Адрес дома").fill(HOUSE)
    office.get_by_role("button", name="Добавить дом").click()
    expect(office.locator('[data-test="houses"]')).to_contain_text(HOUSE)
    screenshot(office, "house-added")

    # --- 4. the accounting files: accounts, then last month's charges, each previewed, then applied
    upload(office, "Лицевые счета", "ЛС_Байкальская_105.csv", accounts_file(), expect_created=3)
    expect(office.locator('[data-test="examples-created"]')).to_contain_text("Смирнова Елена Викторовна")
    screenshot(office, "accounts-preview")
    office.get_by_role("button", name="Применить").click()
    expect(office.get_by_role("status")).to_contain_text("загружен: создано 3,")

    upload(office, "Начисления", f"Начисления_{last_month:%m_%Y}.csv", charges_file(last_month), expect_created=4)
    screenshot(office, "charges-preview")
    office.get_by_role("button", name="Применить").click()
    expect(office.get_by_role("status")).to_contain_text("загружен: создано 4,")

    # --- 5. code words for the house: the letters to print, read as the owner will
    staff_menu.get_by_role("link", name="Лицевые счета").click()
    office.get_by_role("link", name="Кодовые слова").click()
    expect(office.get_by_role("heading", name="Кодовые слова", exact=True)).to_be_visible()
    office.get_by_role("combobox", name="Дом").select_option(label=HOUSE)
    screenshot(office, "code-words")
    with downloaded(office) as letters:
        office.get_by_role("button", name="Выдать и скачать письма").click()
    assert letters["name"].endswith(".pdf"), letters["name"]
    office.reload()  # the page stays as it was while the letters download; a reload shows the words issued
    expect(office.locator('[data-test="house"]', has_text=HOUSE).locator("td").last).to_have_text("3")
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(letters["data"])).pages]
    assert len(pages) == 3, pages  # a letter per owner
    letter = next(text for text in pages if f"№ {TENANT_ACCOUNT}:" in text)
    assert "Смирнова Елена Викторовна" in letter and COMPANY["Наименование"] in letter
    code_word = find_in(letter, r"\n([A-Z0-9]{4}-[A-Z0-9]{4})\n")

    # --- 6. the dashboard's checklist: what is done and what is left
    staff_menu.get_by_role("link", name="Обзор").click()
    for key in ("requisites", "houses", "accounts", "code_words", "mail"):
        expect(step_done(office, key)).to_have_attribute("data-done", "yes")
    for key in ("staff", "second_factor"):  # the admin is alone and without a second factor yet
        expect(step_done(office, key)).to_have_attribute("data-done", "no")
    expect(office.locator('[data-test="checklist"]')).to_contain_text("Сделано 5 из 7.")
    screenshot(office, "checklist")

    # --- 7. a tenant on her phone: registration, confirmation, login
    page.goto("/")
    page.get_by_role("banner").get_by_role("link", name="Регистрация").click()
    for label, value in TENANT.items():
        field(page, label).fill(value)
    field(page, "Пароль").fill(TENANT_PASSWORD)
    field(page, "Повторите пароль").fill(TENANT_PASSWORD)
    page.get_by_role("checkbox", name="Я согласен с условиями соглашения").check()
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page.get_by_text("На email, указанный вами при регистрации было отправлено письмо")).to_be_visible()
    subject = f"{COMPANY['Наименование']}: Подтверждение регистрации нового пользователя"
    confirmation = wait_for_mail(mailbox, TENANT["E-mail"], subject)
    page.goto(links_in(confirmation)[0])
    expect(page.get_by_text("Регистрация пользователя успешно подтверждена.")).to_be_visible()
    page.get_by_role("link", name="Войти в личный кабинет").click()
    log_in(page, TENANT["Логин"], TENANT_PASSWORD)
    expect(page.get_by_role("heading", name="Мой адрес")).to_be_visible()

    # --- the four-step wizard with the code word from the letter
    page.get_by_role("main").get_by_role("link", name="Знаю номер лицевого счета и кодовое слово").click()
    page.get_by_role("radio", name=re.compile("^По лицевому счету")).check()
    page.get_by_role("button", name="Далее").click()
    field(page, "Лицевой счет").fill(TENANT_ACCOUNT)
    field(page, "Кодовое слово").fill(code_word.lower())  # as she types it off the letter
    page.get_by_role("button", name="Далее").click()
    expect(page.get_by_role("checkbox", name=re.compile(f"№ {TENANT_ACCOUNT}"))).to_be_checked()
    page.get_by_role("radio", name="Собственник").check()
    page.get_by_role("button", name="Далее").click()
    expect(page.get_by_text(f"{HOUSE}, кв. 1")).to_be_visible()
    page.get_by_role("button", name="Завершить").click()
    expect(page.get_by_text("Лицевые счета привязаны и теперь видны в личном кабинете.")).to_be_visible()
    screenshot(page, "tenant-bound")

    # --- the month's receipt and its QR code, saved for the banking app
    page.get_by_role("link", name="Распечатать квитанцию").first.click()
    page.get_by_role("link", name=format_date(last_month, "LLLL yyyy", locale="ru"), exact=True).click()
    expect(page.locator('[data-test="to-pay"]')).to_have_text(DUE_SHOWN)
    qr = page.get_by_role("img", name=re.compile("^QR-код для оплаты"))
    qr.scroll_into_view_if_needed()
    assert qr.evaluate("img => img.decode().then(() => img.naturalWidth, () => 0)") > 0, "the QR code did not load"
    screenshot(page, "receipt")
    with downloaded(page) as saved:
        page.get_by_role("link", name="Сохранить QR-код").click()
    assert saved["name"] == f"oplata-{TENANT_ACCOUNT}-{last_month:%Y-%m}.png"
    decoded = decode_qr(saved["data"], tmp_path)
    shown = page.request.get(qr.get_attribute("src"))  # the code on the screen, for a second phone to scan
    assert decode_qr(shown.body(), tmp_path) == decoded
    assert decoded.startswith("ST00012|"), decoded
    fields = dict(pair.split("=", 1) for pair in decoded.split("|")[1:])
    assert {key: fields.get(key) for key in ("Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc", "PayeeINN",
                                              "KPP", "Sum", "persAcc")} == {
        "Name": COMPANY["Наименование"],
        "PersonalAcc": SETTLEMENT,
        "BankName": COMPANY["Банк"],
        "BIC": COMPANY["БИК"],
        "CorrespAcc": COMPANY["Корреспондентский счет"],
        "PayeeINN": COMPANY["ИНН"],
        "KPP": COMPANY["КПП"],
        "Sum": kopecks(DUE),
        "persAcc": TENANT_ACCOUNT,
    }  # fmt: skip
    assert browser_problems == []
