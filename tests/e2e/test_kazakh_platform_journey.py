"""Issue 12's "done", tried as new users would: a platform administrator from the command line creates a Kazakh КСК and
invites its admin; the admin types the Kazakh requisites, adds a house in Almaty, loads the accounts and last month's
charges from 1C and prints the code words; a tenant registers with the e-mail as login, switches to Қазақша, creates
their address at the first login, binds the account by its code word and sees the balance and the receipt in tenge;
the Russian УК already on the installation reaches none of it.

Everything is done in the browser but the platform administrator's `staff create` and the e-mails read from the SMTP
server; the Russian УК (the installation's first organization, with its admin) is the only thing made by factories.
"""

import io
import re
from contextlib import ExitStack
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext
from playwright.sync_api import expect
from pypdf import PdfReader

from kabinet.clock import local_today
from tests.conftest import PASSWORD, links_in
from tests.e2e.conftest import browser_tab, field, find_in, log_in, wait_for_mail
from tests.e2e.test_new_company_journey import DESKTOP, as_1c_writes, downloaded, months_before, upload
from tests.factories import make_account, make_staff
from tests.test_kazakhstan import iban, with_bin_check

pytestmark = pytest.mark.e2e

CATALOGUE = Path(__file__).resolve().parents[2] / "translations" / "kk" / "LC_MESSAGES" / "messages.po"
STAFF_PASSWORD = "Tikhaya-Reka-Osen-77"
FIRST_RUN_NAME = "УК «Наш дом»"  # the Russian УК's: the installation's only organization when the platform begins
PLATFORM_NAME = "Личный кабинет жителя"  # who writes to nobody's tenant once there are several (PLATFORM_NAME unset)
INVITATION = "Приглашение в офис компании"

ROOT_EMAIL = "root@platform.example.org"
ROOT_LOGIN = "root"  # made of the e-mail by `staff create`
KSK = "КСК «Алатау»"
BIN = with_bin_check("24034000125")  # registered March 2024, a legal entity (4), its number; the 12th digit computed
IIK = iban("722", "S000012345678")  # Kaspi Bank's code 722 in the IBAN, the check digits computed
CHAIR_EMAIL = "chair@alatau.example.kz"
CHAIR_LOGIN = "chair"
REQUISITES = {  # as the chairman copies them from the bank's letter, by the settings page's labels
    "БИН": BIN,
    "Банк": "АО «Kaspi Bank»",
    "БИК": "CASPKZKA",
    "ИИК": IIK,
    "Кбе": "17",
    "КНП": "859",
    "Адрес": "г. Алматы, ул. Абая, д. 10, офис 2",
    "Телефоны": "+7 (727) 250-00-00",
    "Телефон диспетчерской службы": "+7 727 250 00 01",
    "E-mail": "ksk@alatau.example.kz",
}
HOUSE = "г. Алматы, ул. Абая, д. 10"
TENANT_ACCOUNT = "700101"
# The tenant's charges for last month in tenge: service, tariff, quantity, unit, amount.
CHARGES = [
    ("Эксплуатационные расходы", "65,00", "48,60", "кв. м", "3159,00"),
    ("Вывоз мусора", "420,00", "2,000", "чел.", "840,00"),
]
TO_PAY = re.compile(r"^5\s249,00\s₸$")  # the 1 250,00 carried over and the month's 3 999,00

TENANT_EMAIL = "aigerim.nurlanova@example.kz"
TENANT = {"Имя": "Айгерим", "Фамилия": "Нурланова", "E-mail": TENANT_EMAIL, "Телефон": "+7 701 234 56 78"}


def accounts_file() -> bytes:
    """The КСК's accounts as its accounting program saves them: the tenant's flat and two neighbours, balances in ₸."""
    header = ["Лицевой счет", "Адрес", "Квартира", "Собственник", "Площадь", "Проживающих", "Сальдо"]
    return as_1c_writes([
        header,
        [TENANT_ACCOUNT, HOUSE, "1", "Нурланова Айгерим Болатовна", "48,60", "2", "1\u00a0250,00"],
        ["700102", HOUSE, "2", "Сапаров Ерлан Маратович", "63,20", "3", "0,00"],
        ["700103", HOUSE, "3", "Ким Ольга Викторовна", "36,10", "1", ""],
    ])  # fmt: skip


def charges_file(month) -> bytes:
    """Last month's charges of the tenant's account in tenge."""
    header = ["Лицевой счет", "Период", "Услуга", "Тариф", "Объем", "Ед. изм.", "Начислено"]
    return as_1c_writes([header, *([TENANT_ACCOUNT, f"{month:%d.%m.%Y}", *charge] for charge in CHARGES)])


@pytest.fixture
def kazakh(live_server):
    """kazakh(text, **values): text as the Kazakh interface says it, from the app's own catalogue (a string not yet
    translated comes back in Russian, as the page shows it)."""

    def say(text: str, **values) -> str:
        with live_server.app.test_request_context(), force_locale("kk"):
            return gettext(text, **values)

    return say


def russian_left_in(tab, catalogue: dict[str, str]) -> list[str]:
    """The lines of the tab's page that are exactly a catalogue's Russian string with a Kazakh translation of its own:
    what a page under kk shows untranslated (a string outside _(), or a view that forced Russian)."""
    lines = {line.strip() for line in tab.locator("body").inner_text().splitlines()}
    return sorted(line for line in lines if line and catalogue.get(line, line) != line)


@pytest.fixture(scope="module")
def kazakh_catalogue():
    """The kk catalogue's translated strings: Russian -> Kazakh, only where they differ."""
    with open(CATALOGUE, "rb") as po:
        catalog = read_po(po, locale="kk")
    return {m.id: m.string for m in catalog if isinstance(m.id, str) and m.id and m.string and not m.fuzzy}


@pytest.fixture
def russian_uk(live_server):
    """The installation before the platform: the Russian УК (the first organization) with an account and its admin."""
    make_account(live_server.app, "100101")
    make_staff(live_server.app, "admin", login="director")


@pytest.fixture
def desk(chromium, live_server, browser_problems, request):
    """desk(name, problems=None): a desktop tab in a browser context of its own, for one member of staff."""
    with ExitStack() as stack:

        def open_desk(name: str, problems: list | None = None):
            watched = browser_problems if problems is None else problems
            return stack.enter_context(browser_tab(chromium, live_server, watched, request, name, viewport=DESKTOP))

        yield open_desk


def accept_invitation(tab, link: str, login: str) -> None:
    """Follow an e-mailed invitation to the back office, set the password, log in."""
    tab.goto(link)
    expect(tab.get_by_role("heading", name=INVITATION)).to_be_visible()
    tab.get_by_role("button", name="Продолжить").click()
    expect(tab.get_by_text(f"Ваш логин: {login}.")).to_be_visible()
    field(tab, "Пароль").fill(STAFF_PASSWORD)
    field(tab, "Повторите пароль").fill(STAFF_PASSWORD)
    tab.get_by_role("button", name="Задать пароль").click()
    log_in(tab, login, STAFF_PASSWORD)


def invitation_link(mailbox, address: str, subject: str) -> str:
    """The link of the invitation e-mailed to address."""
    invitation = wait_for_mail(mailbox, address, subject)
    return next(link for link in links_in(invitation) if "/staff/team/invitation/" in link)


def test_a_kazakh_ksk_joins_the_platform_and_its_tenant_pays_in_tenge_in_kazakh(
    page, desk, live_server, russian_uk, mailbox, screenshot, browser_problems, kazakh, kazakh_catalogue
):
    """The platform administrator, the КСК's chairman and a tenant, each in a browser of their own; then the Russian
    УК's admin tries the КСК's account, tenant and request: 404 for each, and nothing of it in their lists."""
    app = live_server.app
    with app.app_context():
        last_month = months_before(local_today(), 1)

    # --- 1. the platform administrator, from the command line as the README says
    created = app.test_cli_runner().invoke(args=["staff", "create", "--email", ROOT_EMAIL, "--role", "platform"])
    assert created.exit_code == 0, created.output
    platform = desk("failure-platform")
    accept_invitation(platform, invitation_link(mailbox, ROOT_EMAIL, f"{FIRST_RUN_NAME}: {INVITATION}"), ROOT_LOGIN)
    expect(platform).to_have_url(f"{live_server.url}/platform/")
    platform.get_by_role("link", name="Создать организацию").click()
    field(platform, "Наименование").fill(KSK)
    platform.get_by_role("radio", name="КСК", exact=True).check()
    platform.get_by_role("radio", name="Казахстан", exact=True).check()
    field(platform, "ИНН или БИН").fill(BIN)
    platform.get_by_role("button", name="Создать", exact=True).click()
    expect(platform.get_by_role("heading", name=KSK)).to_be_visible()
    expect(platform.get_by_role("main")).to_contain_text(f"БИН {BIN}")  # a Kazakh number named as Kazakhs name it
    field(platform, "E-mail").fill(CHAIR_EMAIL)
    field(platform, "Имя").fill("Айгуль")
    field(platform, "Фамилия").fill("Сейтова")
    platform.get_by_role("button", name="Пригласить администратора").click()
    expect(platform.locator('[data-test="admins"]')).to_contain_text("Сейтова")
    screenshot(platform, "platform-ksk-created")

    # --- 2. the КСК's chairman: requisites, a house, the accounting files, the code words
    chair = desk("failure-chair")
    accept_invitation(chair, invitation_link(mailbox, CHAIR_EMAIL, f"{KSK}: {INVITATION}"), CHAIR_LOGIN)
    expect(chair.get_by_role("banner")).to_contain_text(KSK)
    chair_menu = chair.get_by_role("navigation", name="Разделы офиса")
    chair_menu.get_by_role("link", name="Организация").click()
    expect(chair.get_by_role("combobox", name="Страна")).to_have_value("KZ")
    expect(field(chair, "Часовой пояс")).to_have_value("Asia/Almaty")
    expect(field(chair, "БИН")).to_have_value(BIN)  # what the platform administrator typed
    for label, value in REQUISITES.items():
        field(chair, label).fill(value)
    chair.get_by_role("button", name="Сохранить").click()
    expect(chair.get_by_text("Настройки организации сохранены.")).to_be_visible()
    expect(chair.locator('[aria-invalid="true"]')).to_have_count(0)
    expect(field(chair, "ИИК")).to_have_value(IIK)
    screenshot(chair, "ksk-requisites")

    chair.get_by_role("main").get_by_role("link", name="Дома").click()
    field(chair, "Адрес дома").fill(HOUSE)
    chair.get_by_role("button", name="Добавить дом").click()
    expect(chair.locator('[data-test="houses"]')).to_contain_text(HOUSE)

    upload(chair, "Лицевые счета", "ЛС_Абая_10.csv", accounts_file(), expect_created=3)
    chair.get_by_role("button", name="Применить").click()
    expect(chair.get_by_role("status")).to_contain_text("загружен: создано 3,")
    upload(chair, "Начисления", f"Начисления_{last_month:%m_%Y}.csv", charges_file(last_month), expect_created=2)
    chair.get_by_role("button", name="Применить").click()
    expect(chair.get_by_role("status")).to_contain_text("загружен: создано 2,")

    chair_menu.get_by_role("link", name="Лицевые счета").click()
    chair.get_by_role("link", name="Кодовые слова").click()
    chair.get_by_role("combobox", name="Дом").select_option(label=HOUSE)
    with downloaded(chair) as letters:
        chair.get_by_role("button", name="Выдать и скачать письма").click()
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(letters["data"])).pages]
    letter = next(text for text in pages if f"№ {TENANT_ACCOUNT}:" in text)
    assert KSK in letter, letter
    code_word = find_in(letter, r"\n([A-Z0-9]{4}-[A-Z0-9]{4})\n")

    # --- 3. the tenant on her phone: the e-mail as login, then Қазақша from the first page of the cabinet
    page.goto("/registration/")
    for label, value in TENANT.items():
        field(page, label).fill(value)
    expect(field(page, "Логин")).to_have_value("")  # left blank: the e-mail is the login
    field(page, "Пароль").fill(PASSWORD)
    field(page, "Повторите пароль").fill(PASSWORD)
    page.get_by_role("checkbox", name="Я согласен с условиями соглашения").check()
    page.get_by_role("button", name="Зарегистрироваться").click()
    subject = f"{PLATFORM_NAME}: Подтверждение регистрации нового пользователя"
    confirmation = wait_for_mail(mailbox, TENANT_EMAIL, subject)
    page.goto(links_in(confirmation)[0])
    page.get_by_role("link", name="Войти в личный кабинет").click()
    log_in(page, TENANT_EMAIL, PASSWORD)
    expect(page.get_by_role("heading", name="Мой адрес")).to_be_visible()
    assert russian_left_in(page, kazakh_catalogue), "the check finds the Russian page Russian, so it can fail"
    page.get_by_role("button", name="Қазақша").click()
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.get_by_role("heading", name=kazakh("Мой адрес"))).to_be_visible()
    assert russian_left_in(page, kazakh_catalogue) == []
    screenshot(page, "first-login-address-kk")

    address = {"Город": "Алматы", "Улица": "Абая", "Дом": "10", "Квартира или помещение": "1"}
    for label, value in address.items():
        field(page, kazakh(label)).fill(value)
    page.get_by_role("button", name=kazakh("Создать"), exact=True).click()
    expect(page.get_by_role("heading", name=kazakh("Ваш дом найден"))).to_be_visible()
    expect(page.get_by_role("radio", name=re.compile(f"^{re.escape(HOUSE)} — {KSK}$"))).to_be_checked()
    assert russian_left_in(page, kazakh_catalogue) == []
    page.get_by_role("button", name=kazakh("По кодовому слову из письма компании")).click()
    field(page, kazakh("Лицевой счет")).fill(TENANT_ACCOUNT)
    field(page, kazakh("Кодовое слово")).fill(code_word)
    page.get_by_role("button", name=kazakh("Далее")).click()
    expect(page.get_by_role("radio", name=kazakh("Собственник"))).to_be_checked()  # chosen in the address form
    page.get_by_role("button", name=kazakh("Далее")).click()
    assert russian_left_in(page, kazakh_catalogue) == []
    page.get_by_role("button", name=kazakh("Завершить")).click()

    # --- the cabinet: the balance in tenge, in Kazakh
    expect(page.get_by_text(kazakh("Лицевые счета привязаны и теперь видны в личном кабинете."))).to_be_visible()
    card = page.locator('[data-test="account"]')
    expect(card).to_have_count(1)
    expect(card).to_contain_text(kazakh("Лицевой счет № %(number)s", number=TENANT_ACCOUNT))
    expect(card).to_contain_text("₸")
    expect(card.locator('[data-test="charges"]')).to_have_text(re.compile(r"^3\s999,00\s₸$"))
    expect(card).to_contain_text(re.compile(r"5\s249,00\s₸"))  # the balance: the debt carried over and the month
    assert "₽" not in page.get_by_role("main").inner_text()
    menu_label = kazakh("Квитанции")
    assert menu_label != "Квитанции", "the kk catalogue translates the menu"
    expect(page.get_by_role("link", name=menu_label, exact=True).first).to_be_attached()
    assert russian_left_in(page, kazakh_catalogue) == []
    screenshot(page, "cabinet-kk")

    card.get_by_role("link", name=kazakh("Посмотреть баланс лицевого счета")).click()
    expect(page.get_by_role("main")).to_contain_text(re.compile(r"5\s249,00\s₸"))
    assert "₽" not in page.get_by_role("main").inner_text()
    assert russian_left_in(page, kazakh_catalogue) == []
    page.go_back()

    # --- the receipt: tenge, the КСК's БИН and ИИК to pay by, no payment QR code
    card.get_by_role("link", name=kazakh("Распечатать квитанцию")).click()
    page.get_by_role("link", name=format_date(last_month, "LLLL yyyy", locale="kk"), exact=True).click()
    account_id = find_in(page.url, r"/receipts/(\d+)/")
    expect(page.locator('[data-test="to-pay"]')).to_have_text(TO_PAY)
    payee = page.locator('[data-test="payee"]')
    for requisite in (KSK, BIN, IIK, "CASPKZKA", "859"):
        expect(payee).to_contain_text(requisite)
    expect(page.locator("img.receipt-qr")).to_have_count(0)
    expect(page.locator('[data-test="save-qr"]')).to_have_count(0)
    assert "₽" not in page.get_by_role("main").inner_text()
    assert russian_left_in(page, kazakh_catalogue) == []
    screenshot(page, "receipt-kk")

    # --- a request to the КСК's dispatch service, for the Russian УК to try
    page.goto(f"/dispatch/new?account_id={account_id}")
    page.get_by_role("combobox", name=kazakh("Что случилось")).select_option(index=1)
    page.get_by_role("textbox", name=kazakh("Описание"), exact=True).fill("Течёт кран на кухне")
    page.get_by_role("button", name=kazakh("Отправить заявку")).click()
    request_id = find_in(page.url, r"/dispatch/(\d+)$")
    assert russian_left_in(page, kazakh_catalogue) == []

    # --- the chairman finds all three: the ids are the КСК's own
    chair.goto(f"/staff/accounts/{account_id}")
    expect(chair.get_by_role("main")).to_contain_text("Нурланова")
    chair_menu.get_by_role("link", name="Жители").click()
    field(chair, "Логин, e-mail, имя или телефон").fill(TENANT_EMAIL)
    chair.get_by_role("button", name="Найти").click()
    chair.get_by_role("main").get_by_role("link", name=re.compile("Нурланова")).first.click()
    tenant_id = find_in(chair.url, r"/staff/tenants/(\d+)$")
    chair.goto(f"/staff/dispatch/{request_id}")
    expect(chair.get_by_role("main")).to_contain_text("Течёт кран на кухне")

    # --- 4. the Russian УК's admin: the КСК's ids answer 404, its rows are in no list or search
    refused = []  # the 404s this browser is expected to meet, kept apart from the journey's problems
    director = desk("failure-director", refused)
    director.goto("/auth/login")
    log_in(director, "director", PASSWORD)
    director_menu = director.get_by_role("navigation", name="Разделы офиса")
    expect(director_menu).to_be_visible()
    theirs = [f"/staff/accounts/{account_id}", f"/staff/tenants/{tenant_id}", f"/staff/dispatch/{request_id}"]
    for path in theirs:
        assert director.goto(path).status == 404, path
    # Chromium's console repeats each 404 in its own words: those and the three answers, nothing else.
    console_404 = "console: Failed to load resource: the server responded with a status of 404 (NOT FOUND)"
    assert [p for p in refused if p != console_404] == [f"HTTP 404: GET {live_server.url}{path}" for path in theirs]
    director.goto("/staff/accounts/")
    field(director, "Номер, адрес или собственник").fill("100101")
    director.get_by_role("button", name="Найти").click()
    expect(director.get_by_role("main")).to_contain_text("100101")  # the search works: it finds the УК's own
    field(director, "Номер, адрес или собственник").fill(TENANT_ACCOUNT)
    director.get_by_role("button", name="Найти").click()
    expect(director.get_by_role("main")).not_to_contain_text(TENANT_ACCOUNT)
    for word in ("Абая", "Нурланова"):
        field(director, "Номер, адрес или собственник").fill(word)
        director.get_by_role("button", name="Найти").click()
        expect(director.get_by_role("main")).not_to_contain_text(HOUSE)
        expect(director.get_by_role("main")).not_to_contain_text("Нурланова Айгерим")
    director.goto("/staff/tenants/")
    for typed in (TENANT_EMAIL, "Нурланова", "+77012345678"):
        field(director, "Логин, e-mail, имя или телефон").fill(typed)
        director.get_by_role("button", name="Найти").click()
        expect(director.get_by_role("main")).not_to_contain_text("Нурланова")
        expect(director.get_by_role("main")).not_to_contain_text(TENANT_EMAIL)
    director.goto("/staff/dispatch/")
    expect(director.get_by_role("main")).not_to_contain_text("Течёт кран")
    expect(director.get_by_role("main")).not_to_contain_text(HOUSE)
    screenshot(director, "russian-uk-sees-none")
    assert browser_problems == []
