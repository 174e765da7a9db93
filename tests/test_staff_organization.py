"""«Организация»: the admin's settings of the organization (checked as a bank checks them, audited), its houses, and
the name, agreement and signature the site and every e-mail take from it."""

import re
from datetime import date
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import select

from kabinet import messages
from kabinet.extensions import db
from kabinet.models import Building, Organization
from kabinet.organizations import default_organization
from kabinet.readings.services import is_open
from kabinet.staff.organization import services
from tests.conftest import audited, html_of, logged_in, make_user, page, shows, text_of
from tests.factories import REQUISITES, make_account, make_staff, other_organization

ROOT = Path(__file__).resolve().parent.parent
LENINA = "г. Иркутск, ул. Ленина, д. 5"
# A whole valid form: Yandex's requisites at Sberbank.
VALID = {
    "name": "ООО «УК «Берёзка»»",
    "inn": "7736207543",
    "kpp": "773601001",
    "ogrn": "1027700229193",
    "bank_name": "ПАО Сбербанк",
    "bic": "044525225",
    "settlement_account": "40702810038000017240",
    "correspondent_account": "30101810400000000225",
    "address": "г. Иркутск, ул. Берёзовая, д. 1",
    "phones": "+7 (3952) 111-222, 25-25-25",
    "dispatch_phone": "+7 (3952) 111-223",
    "email": "office@berezka.ru",
    "opening_hours": "Пн–Пт 9:00–18:00",
    "readings_from_day": "20",
    "readings_until_day": "25",
    "agreement": "",
    "email_signature": "",
}


@pytest.fixture
def admin(app):
    """The organization with the factories' requisites, and a client logged in as its admin."""
    make_account(app)
    make_staff(app, "admin", login="director")
    return logged_in(app, "director")


def organization(app) -> Organization:
    with app.app_context():
        found = default_organization()
        db.session.expunge(found)
        return found


def errors_beside(html: str, field: str) -> str:
    """The text of the error block under the field (kabinet's render_field: id="<field>-errors")."""
    found = re.search(rf'id="{field}-errors"[^>]*>(.*?)</div>\s*</div>', html, re.S)
    assert found, f"no error beside {field}"
    return re.sub(r"<[^>]+>", " ", found.group(1))


# --- the settings form ---------------------------------------------------------------------------------------------


def test_the_page_asks_for_everything_in_the_issues_words_with_the_current_values(admin):
    html = page(admin.get("/staff/organization/"))
    for label in ("Наименование", "ИНН", "КПП", "ОГРН", "Банк", "БИК", "Расчетный счет", "Корреспондентский счет",
                  "Адрес", "Телефоны", "Телефон диспетчерской службы", "E-mail", "Часы работы",
                  "Показания принимаются с", "по", "Пользовательское соглашение", "Подпись в письмах",
                  "Сохранить"):  # fmt: skip
        assert f">{label}<" in html, label
    for name in ("inn", "bic", "settlement_account", "correspondent_account", "address"):
        assert f'value="{escape(REQUISITES[name])}"' in html


def test_a_save_stores_every_field_and_audits_each_change_with_its_old_and_new_value(app, admin):
    response = admin.post("/staff/organization/", data=VALID, follow_redirects=True)
    assert shows(response, messages.ORGANIZATION_SAVED)
    stored = organization(app)
    for name, value in VALID.items():
        assert str(getattr(stored, name)) == value, name
    [event] = audited(app, "organization.update")
    assert event.actor == "director" and event.target == f"organizations:{stored.id}"
    for change in (f"ИНН: {REQUISITES['inn']} → 7736207543", "ОГРН: (пусто) → 1027700229193",
                   f"Наименование: {REQUISITES['name']} → ООО «УК «Берёзка»»",
                   "Показания принимаются с: 1 → 20", "Показания принимаются по: 31 → 25"):  # fmt: skip
        assert change in event.details
    assert "КПП" in event.details and "Пользовательское соглашение" not in event.details  # only what changed
    assert "Настройки организации изменены" in page(admin.get("/staff/audit"))


def test_saving_the_same_values_again_changes_and_audits_nothing(app, admin):
    admin.post("/staff/organization/", data=VALID)
    response = admin.post("/staff/organization/", data=VALID, follow_redirects=True)
    assert shows(response, messages.ORGANIZATION_UNCHANGED)
    assert len(audited(app, "organization.update")) == 1


def test_requisites_may_be_left_empty_and_spaces_in_numbers_are_dropped(app, admin):
    empty = dict.fromkeys(("inn", "kpp", "ogrn", "bank_name", "bic", "settlement_account", "correspondent_account"), "")
    admin.post("/staff/organization/", data={**VALID, **empty})
    assert organization(app).inn == organization(app).settlement_account == ""
    spaced = {"settlement_account": "40702 810 0 3800 0017240", "kpp": "7736ab001", "inn": " 7736 207 543 "}
    admin.post("/staff/organization/", data={**VALID, **spaced})
    stored = organization(app)
    assert (stored.settlement_account, stored.kpp, stored.inn) == ("40702810038000017240", "7736AB001", "7736207543")


BAD = [
    ("name", "", "Укажите наименование"),
    ("name", "Я" * 256, "Не длиннее 255 символов"),
    ("inn", "770708389", "10 цифр"),
    ("inn", "7707083894", "контрольная цифра"),
    ("kpp", "77360100", "9 символов"),
    ("ogrn", "1027700229194", "контрольная цифра"),
    ("ogrn", "12345", "13 цифр"),
    ("bic", "04452522", "9 цифр"),
    ("settlement_account", "40702810038000017241", "не сходится с БИК"),
    ("settlement_account", "4070281003800001724", "20 цифр"),
    ("correspondent_account", "30101810700000000187", "не сходится с БИК"),  # ВТБ's, with Sberbank's БИК
    ("address", "д" * 256, "Не длиннее 255 символов"),
    ("phones", "звоните с утра", "через запятую"),
    ("dispatch_phone", "112, 01", "один телефон"),
    ("email", "office@", "Введите адрес электронной почты"),
    ("readings_from_day", "0", "от 1 до 31"),
    ("readings_until_day", "32", "от 1 до 31"),
    ("readings_from_day", "пятое", "от 1 до 31"),
    ("readings_until_day", "", "от 1 до 31"),
    ("email_signature", "п" * 1001, "1000 символов"),
]


@pytest.mark.parametrize(("field", "value", "says"), BAD, ids=[f"{f}-{v[:12]}" for f, v, _ in BAD])
def test_a_bad_value_is_explained_beside_its_field_and_what_was_typed_stays(app, admin, field, value, says):
    response = admin.post("/staff/organization/", data={**VALID, field: value})
    html = page(response)
    assert response.status_code == 200
    assert says in errors_beside(html, field)
    assert str(escape(value)) in html and str(escape(VALID["bank_name"])) in html  # this field and the others kept
    assert organization(app).name == REQUISITES["name"] and not audited(app, "organization.update")


def test_a_wrong_bic_is_also_told_beside_the_accounts_it_checks(admin):
    html = page(admin.post("/staff/organization/", data={**VALID, "bic": "04452522"}))
    assert "верный БИК" in errors_beside(html, "settlement_account")
    assert "верный БИК" in errors_beside(html, "correspondent_account")


def test_an_over_long_agreement_is_refused_and_kept(admin):
    text = "Соглашение. " * 2000
    html = page(admin.post("/staff/organization/", data={**VALID, "agreement": text}))
    assert "Не длиннее 20000 символов." in errors_beside(html, "agreement") and text.strip() in html


def test_the_readings_window_may_run_across_the_months_end(app, admin):
    admin.post("/staff/organization/", data={**VALID, "readings_from_day": "25", "readings_until_day": "5"})
    stored = organization(app)
    assert (stored.readings_from_day, stored.readings_until_day) == (25, 5)
    assert is_open(stored, date(2026, 11, 28)) and is_open(stored, date(2026, 12, 3))
    assert not is_open(stored, date(2026, 12, 15))


# --- the name, the agreement and the signature everywhere ----------------------------------------------------------


def test_the_header_and_the_footer_show_the_saved_organization(app, admin):
    admin.post("/staff/organization/", data=VALID)
    html = page(app.test_client().get("/auth/login"))
    assert "ООО «УК «Берёзка»»</a>" in html and "<title>" in html and "· ООО «УК «Берёзка»»</title>" in html
    assert 'href="tel:+73952111222">+7 (3952) 111-222</a>' in html  # the first phone only
    assert 'href="mailto:office@berezka.ru"' in html
    assert "УК «Наш дом»" not in html and "599-018" not in html


def test_every_email_comes_from_the_saved_name_and_ends_with_the_signature(app, admin, mailbox, deliver):
    signature = "С уважением,\nООО «УК «Берёзка»» <офис>\n\nтел. 111-222"
    admin.post("/staff/organization/", data={**VALID, "email_signature": signature.replace("\n", "\r\n")})
    make_user(app)
    app.test_client().post("/recovery/", data={"login": "ivan"})
    deliver()
    message = mailbox.last("ivan@example.org")
    assert message["From"].addresses[0].display_name == "ООО «УК «Берёзка»»"
    assert message["Subject"] == "ООО «УК «Берёзка»»: Запрос на смену пароля"
    assert text_of(message).rstrip().endswith("-- \n" + signature)
    html = html_of(message)
    assert "<p>С уважением,<br>\nООО «УК «Берёзка»» &lt;офис&gt;</p>\n<p>тел. 111-222</p></div>" in html
    assert html.index("data-signature") > html.index("Сообщение сгенерировано автоматически")


def test_without_a_signature_an_email_ends_as_before(app, admin, mailbox, deliver):
    make_user(app)
    app.test_client().post("/recovery/", data={"login": "ivan"})
    deliver()
    message = mailbox.last("ivan@example.org")
    assert text_of(message).rstrip().endswith("Сообщение сгенерировано автоматически. Не отвечайте на него.")
    assert "data-signature" not in html_of(message)


def test_the_agreement_page_shows_the_saved_text_escaped_with_its_paragraphs(app, admin):
    client = app.test_client()
    assert "1. Регистрация" in page(client.get("/agreement"))  # the built-in text until the admin writes one
    text = "Первый абзац <b>жирно</b>\r\nвторая строка\r\n\r\nВторой абзац"  # as a browser sends a textarea
    admin.post("/staff/organization/", data={**VALID, "agreement": text})
    html = page(client.get("/agreement"))
    assert "<p>Первый абзац &lt;b&gt;жирно&lt;/b&gt;<br>\nвторая строка</p>\n<p>Второй абзац</p>" in html
    assert "1. Регистрация" not in html
    assert 'href="/agreement"' in page(client.get("/registration/"))  # where registration asks for consent


def test_no_template_or_code_reads_the_company_settings_but_the_first_run(app):
    templates = [p for p in (ROOT / "templates").rglob("*.*") if "config.COMPANY_" in p.read_text()]
    code = [p.relative_to(ROOT).as_posix() for p in (ROOT / "kabinet").rglob("*.py") if '"COMPANY_' in p.read_text()]
    assert templates == [] and code == ["kabinet/organizations.py"]


# --- houses --------------------------------------------------------------------------------------------------------


def house_id(app, address=LENINA) -> int:
    with app.app_context():
        return db.session.scalar(select(Building.id).where(Building.address == address))


def test_houses_are_listed_with_their_open_accounts(app, admin):
    make_account(app, "100102", premises="2")
    make_account(app, "100103", premises="3", is_closed=True)
    make_account(app, "200101", address="г. Иркутск, ул. Карла Маркса, д. 10")
    html = page(admin.get("/staff/organization/houses"))
    rows = re.findall(r'data-test="house-\d+">\s*<td>([^<]+)</td>\s*<td class="text-end">(\d+)</td>', html)
    # Lenina: 100101 and 100102; the closed 100103 is not counted.
    assert rows == [("г. Иркутск, ул. Карла Маркса, д. 10", "1"), (LENINA, "2")]


def test_the_admin_adds_a_house(app, admin):
    response = admin.post("/staff/organization/houses", data={"address": " г. Иркутск, ул. Новая, д. 9 "})
    assert response.status_code == 302
    listed = admin.get(response.location)
    assert shows(listed, messages.HOUSE_ADDED.text % {"address": "г. Иркутск, ул. Новая, д. 9"})
    assert re.search(r"ул. Новая, д. 9</td>\s*<td class=\"text-end\">0</td>", page(listed))
    [event] = audited(app, "house.add")
    assert event.details == "г. Иркутск, ул. Новая, д. 9"
    assert event.target == f"buildings:{house_id(app, event.details)}"


@pytest.mark.parametrize(
    ("address", "says"),
    [("  г. иркутск,  УЛ. ЛЕНИНА, д. 5 ", "уже есть дом"), ("   ", "Укажите адрес дома"), ("д" * 256, "255 символов")],
)
def test_a_duplicate_or_empty_address_is_refused_beside_the_field_and_kept(app, admin, address, says):
    html = page(admin.post("/staff/organization/houses", data={"address": address}))
    assert says in errors_beside(html, "address")
    assert f'value="{escape(address.strip())}"' in html
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Building.id))) == 1
    assert not audited(app, "house.add")


def test_a_renamed_house_is_shown_by_its_new_address_to_staff_and_tenants(app, admin):
    tenant = make_user(app, login="tenant", email="tenant@example.org")
    make_account(app, "100102", premises="2", user_id=tenant)
    make_staff(app, "accountant")
    building = house_id(app)
    assert f'value="{LENINA}"' in page(admin.get(f"/staff/organization/houses/{building}"))
    renamed = "г. Иркутск, ул. Ленина, д. 5А"
    response = admin.post(f"/staff/organization/houses/{building}", data={"address": renamed})
    assert shows(admin.get(response.location), messages.HOUSE_RENAMED.text % {"address": renamed})
    [event] = audited(app, "house.rename")
    assert event.details == f"{LENINA} → г. Иркутск, ул. Ленина, д. 5А"
    assert "ул. Ленина, д. 5А" in page(logged_in(app, "tenant").get("/cabinet/"))
    accountant = logged_in(app, "accountant")
    assert "ул. Ленина, д. 5А" in page(accountant.get("/staff/accounts/", query_string={"q": "100102"}))


def test_a_house_takes_another_houses_address_only_never(app, admin):
    make_account(app, "200101", address="г. Иркутск, ул. Карла Маркса, д. 10")
    building = house_id(app)
    taken = {"address": "г. Иркутск, ул. Карла Маркса, д. 10"}
    html = page(admin.post(f"/staff/organization/houses/{building}", data=taken))
    assert "уже есть дом" in errors_beside(html, "address")
    admin.post(f"/staff/organization/houses/{building}", data={"address": "Г. Иркутск, ул. Ленина, д. 5"})  # its own
    assert house_id(app, "Г. Иркутск, ул. Ленина, д. 5") == building


def test_two_admins_adding_the_same_house_at_once_get_the_message_not_an_error(app, admin):
    with app.app_context():
        organization = default_organization()
        services.add_house(organization, "г. Иркутск, ул. Новая, д. 9", by=None)
        with pytest.raises(services.AddressTaken):
            services.add_house(organization, "г. Иркутск, ул. Новая, д. 9", by=None)
        assert db.session.scalar(select(db.func.count(Building.id))) == 2


# --- who may, and whose organization ---------------------------------------------------------------------------------


def test_only_the_admin_has_the_menu_entry(app, admin):
    menu = page(admin.get("/staff/")).split('data-test="staff-menu"')[1].split("</nav>")[0]
    assert 'href="/staff/organization/"' in menu and ">Организация<" in menu
    make_staff(app, "accountant")
    theirs = page(logged_in(app, "accountant").get("/staff/")).split('data-test="staff-menu"')[1].split("</nav>")[0]
    assert "/staff/organization/" not in theirs


def test_each_organizations_admin_sees_and_changes_only_their_own(app, admin, mailbox, deliver):
    klen = other_organization(app)
    make_user(app, login="klen", email="klen@example.org", role="admin", organization_id=klen)
    client = logged_in(app, "klen")
    html = page(client.get("/staff/organization/"))
    assert 'value="ТСЖ «Клён»"' in html and REQUISITES["inn"] not in html
    assert "ТСЖ «Клён»</a>" in html  # the header names their organization
    client.post("/staff/organization/", data={**VALID, "name": "ТСЖ «Клён-2»"})
    with app.app_context():
        assert db.session.get(Organization, klen).name == "ТСЖ «Клён-2»"
    assert organization(app).name == REQUISITES["name"]
    houses = page(client.get("/staff/organization/houses"))
    assert "Кленовая" in houses and f"<td>{LENINA}</td>" not in houses
    for method in (client.get, client.post):
        assert method(f"/staff/organization/houses/{house_id(app)}", data={"address": "x"}).status_code == 404
    theirs = house_id(app, "г. Иркутск, ул. Кленовая, д. 2")
    assert admin.get(f"/staff/organization/houses/{theirs}").status_code == 404
    client.post("/staff/team/invite", data={"email": "new@example.org", "first_name": "Анна", "last_name": "Клёнова",
                                           "role": "dispatcher"})  # fmt: skip
    deliver()
    assert mailbox.last("new@example.org")["From"].addresses[0].display_name == "ТСЖ «Клён-2»"
