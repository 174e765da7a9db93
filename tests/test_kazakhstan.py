"""Kazakhstan as an organization's country: its settings (БИН, ИИК, БИК, Кбе, КНП), its money in tenge beside a
Russian one's rubles for the same tenant, its receipt without the ГОСТ QR code, its time zone and its checklist.

The checks' digits are computed here from the algorithms' definitions (the Kazakh tax code's two passes of weights
for a БИН, ISO 13616's mod-97 for an ИИК), not taken from kabinet.requisites.
"""

import io
import re
from datetime import date

import pytest
from markupsafe import escape
from pypdf import PdfReader
from sqlalchemy import select

from kabinet import messages, requisites
from kabinet.extensions import db
from kabinet.models import Account, AccountBinding, Organization, User
from kabinet.models.organization import COUNTRIES, Country
from kabinet.organizations import default_organization
from kabinet.receipts.services import missing_requisites, payee_lines
from kabinet.staff.checklist import checklist
from tests.conftest import audited, logged_in, page, shows
from tests.factories import add_history, make_account, other_organization
from tests.test_receipts import text
from tests.test_requisites import refused
from tests.test_staff_organization import admin as admin_fixture
from tests.test_staff_organization import errors_beside
from tests.test_staff_organization import organization as stored

admin = admin_fixture

NOVEMBER = "2026-11"


def bin_check_digit(first_eleven: str) -> int | None:
    """The 12th digit of a БИН by the tax code: weights 1..11; a remainder of 10 takes weights 3..11, 1, 2; None
    when that gives 10 too (no such number is issued)."""
    for weights in ((1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)):
        remainder = sum(int(digit) * weight for digit, weight in zip(first_eleven, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return None


def with_bin_check(first_eleven: str) -> str:
    return first_eleven + str(bin_check_digit(first_eleven))


def iban(bank: str, account: str) -> str:
    """A KZ IBAN with its check digits: 98 minus the mod-97 of BBAN + "KZ00", letters as 10..35."""
    number = int("".join(str(int(c, 36)) for c in bank + account + "KZ00"))
    return f"KZ{98 - number % 97:02d}{bank}{account}"


# First eleven digits of real-looking БИНs (registration year and month, then the kind and the number).
BIN = with_bin_check("99014000038")
SECOND_PASS = next(p for n in range(10**4) if bin_check_digit(p := f"9901400{n:04d}") not in (None, 10)
                   and sum(int(d) * w for d, w in zip(p, range(1, 12), strict=True)) % 11 == 10)  # fmt: skip
NEVER_ISSUED = next(p for n in range(10**4) if bin_check_digit(p := f"0403400{n:04d}") is None)
IIK = iban("125", "KZT5004100100")
KAZAKH = {
    "name": "КСК «Алатау»",
    "country": "KZ",
    "timezone": "Asia/Almaty",
    "inn": BIN,
    "bank_name": "АО «Банк ЦентрКредит»",
    "bic": "KCJBKZKX",
    "settlement_account": IIK,
    "kbe": "17",
    "knp": "859",
    "address": "г. Алматы, ул. Абая, д. 10",
    "phones": "+7 (727) 250-00-00",
    "dispatch_phone": "+7 727 250 00 01",
    "email": "ksk@example.kz",
    "opening_hours": "Пн–Пт 9:00–18:00",
    "readings_from_day": "20",
    "readings_until_day": "25",
    "agreement": "",
    "email_signature": "",
}


# --- the checks ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bin_", [BIN, with_bin_check(SECOND_PASS), with_bin_check("04034000123"), "990140000384"])
def test_bins_with_their_check_digit_pass(bin_):
    requisites.check_bin(bin_)


@pytest.mark.parametrize(
    ("bin_", "says"),
    [
        (BIN[:-1] + str((int(BIN[-1]) + 1) % 10), "контрольная цифра"),
        (BIN[:3] + BIN[4] + BIN[3] + BIN[5:], "контрольная цифра"),  # two digits swapped
        (NEVER_ISSUED + "0", "контрольная цифра"),
        (BIN[:-1], "12 цифр"),
        (BIN + "0", "12 цифр"),
        ("99014000038а", "12 цифр"),
        ("９９０１４０００００３８４", "12 цифр"),  # full-width digits
    ],
)
def test_broken_bins_are_refused_with_the_reason(bin_, says):
    assert says in refused(requisites.check_bin, bin_)


@pytest.mark.parametrize(
    "iik", [IIK, "KZ86125KZT5004100100", iban("722", "S000012345678"), iban("601", "0001234567890")]
)
def test_kazakh_ibans_pass(iik):
    requisites.check_iik(iik)


@pytest.mark.parametrize(
    ("iik", "says"),
    [
        (IIK[:-1] + ("1" if IIK[-1] != "1" else "2"), "контрольные цифры"),
        (IIK[:2] + IIK[3] + IIK[2] + IIK[4:] if IIK[2] != IIK[3] else IIK[:2] + "00" + IIK[4:], "контрольные цифры"),
        ("RU" + IIK[2:], "20 символов"),
        (IIK[:-1], "20 символов"),
        ("KZ86125KZT50041001001", "20 символов"),
        ("KZ8A125KZT5004100100", "20 символов"),
    ],
)
def test_broken_ibans_are_refused_with_the_reason(iik, says):
    assert says in refused(requisites.check_iik, iik)


@pytest.mark.parametrize("bic", ["KCJBKZKX", "HSBKKZKX", "CASPKZKA", "HSBKKZKXXXX"])
def test_a_kazakh_banks_bic_is_its_swift_code(bic):
    requisites.check_swift_bic(bic)


@pytest.mark.parametrize("bic", ["KCJBKZK", "KCJBKZKXX", "KCJBRU2M", "042520607", "KCJB KZKX", "КСJBKZKX"])
def test_other_bics_are_refused(bic):
    assert "KCJBKZKX" in refused(requisites.check_swift_bic, bic)


@pytest.mark.parametrize(("check", "good", "bad"), [
    (requisites.check_kbe, ["17", "19", "27"], ["7", "171", "37", "0A"]),
    (requisites.check_knp, ["859", "911"], ["85", "8590", "85a"]),
])  # fmt: skip
def test_kbe_and_knp_are_their_digits(check, good, bad):
    for value in good:
        check(value)
    for value in bad:
        assert "цифр" in refused(check, value)


# --- the settings form ---------------------------------------------------------------------------------------------


def made_kazakh(app, **fields) -> None:
    with app.app_context():
        organization = default_organization()
        for name, value in {**KAZAKH, **fields}.items():
            setattr(organization, name, value)
        db.session.commit()


def test_a_russian_organization_shows_russian_requisites_only(admin):
    html = page(admin.get("/staff/organization/"))
    assert 'name="kpp"' in html and 'name="correspondent_account"' in html and 'name="ogrn"' in html
    assert 'name="kbe"' not in html and 'name="knp"' not in html and ">БИН<" not in html
    assert 'value="Europe/Moscow"' in html


def typed_in(html: str, field: str) -> str:
    """The value the settings page's input of a field shows."""
    found = re.search(rf'<input[^>]*name="{field}"[^>]*>', html)
    assert found, f"no input {field}"
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else ""


def requisites_step(app) -> str:
    """What the checklist says of the organization's requisites; empty when it has them all."""
    with app.test_request_context():
        (step,) = [s for s in checklist(default_organization(), app.config, "admin") if s.key == "requisites"]
        return "" if step.done else step.detail


def test_changing_the_country_blanks_the_old_requisites_and_a_move_back_does_not_bring_them_back(app, admin):
    # The organization has the factories' Russian requisites: ИНН, КПП, БИК, расчётный and корр. счёт at Сбербанк.
    russian = {"inn": "3808123457", "bic": "042520607", "settlement_account": "40702810818350001234"}
    response = admin.post("/staff/organization/", data={**KAZAKH, "timezone": "Europe/Moscow", **russian})
    blanked = "ИНН, КПП, БИК, Расчетный счет, Корреспондентский счет"
    assert shows(admin.get(response.location), str(messages.ORGANIZATION_REQUISITES_BLANKED.text) % {"fields": blanked})
    organization = stored(app)
    assert organization.country == "KZ" and organization.currency == "KZT"
    assert organization.timezone == "Asia/Almaty"  # the old country's zone follows the country
    assert organization.bank_name == KAZAKH["bank_name"]  # a bank's name means the same in any country
    html = page(admin.get("/staff/organization/"))
    assert ">БИН<" in html and ">ИИК<" in html and 'name="kbe"' in html and 'name="knp"' in html
    assert 'name="kpp"' not in html and 'name="ogrn"' not in html and 'name="correspondent_account"' not in html
    assert [typed_in(html, field) for field in ("inn", "bic", "settlement_account")] == ["", "", ""]
    assert "Не заполнено: БИН, БИК, ИИК, Кбе, КНП." in requisites_step(app)
    (logged,) = audited(app, "organization.update")
    assert "Страна: RU → KZ" in logged.details and "ИНН: 3808123457 → (пусто)" in logged.details
    assert "КПП: 380801001 → (пусто)" in logged.details and "БИК: 042520607 → (пусто)" in logged.details

    # The chairman types the Kazakh ones, then the organization goes back to Russia: nothing of either comes back.
    admin.post("/staff/organization/", data=KAZAKH)
    assert not requisites_step(app)
    admin.post("/staff/organization/", data={**KAZAKH, "country": "RU"})
    organization = stored(app)
    assert organization.country == "RU" and organization.timezone == "Europe/Moscow"
    values = [getattr(organization, name) for name in ("inn", "kpp", "bic", "settlement_account", "kbe", "knp")]
    assert values == ["", "", "", "", "", ""]
    html = page(admin.get("/staff/organization/"))
    assert [typed_in(html, field) for field in ("inn", "kpp", "bic", "correspondent_account")] == ["", "", "", ""]
    assert "Не заполнено: Расчетный счет, БИК, Корреспондентский счет, ИНН." in requisites_step(app)


def test_a_kazakh_organization_stores_its_requisites_and_the_log_names_them(app, admin):
    made_kazakh(app, inn="", settlement_account="", bic="", kbe="", knp="")
    admin.post("/staff/organization/", data={**KAZAKH, "bic": "kcjbkzkx", "settlement_account": IIK.lower()})
    organization = stored(app)
    assert (organization.inn, organization.settlement_account, organization.bic) == (BIN, IIK, "KCJBKZKX")
    assert (organization.kbe, organization.knp) == ("17", "859")
    (logged,) = audited(app, "organization.update")
    assert f"БИН: (пусто) → {BIN}" in logged.details and f"ИИК: (пусто) → {IIK}" in logged.details


BAD = [
    ("inn", BIN[:-1] + str((int(BIN[-1]) + 1) % 10), "контрольная цифра"),
    ("inn", "3808123457", "12 цифр"),
    ("settlement_account", "40702810818350001234", "20 символов"),
    ("settlement_account", IIK[:-1] + ("1" if IIK[-1] != "1" else "2"), "контрольные цифры"),
    ("bic", "042520607", "KCJBKZKX"),
    ("kbe", "37", "2 цифры"),
    ("knp", "85", "3 цифры"),
    ("timezone", "Asia/Алматы", "IANA"),
    ("timezone", "", "часовой пояс"),
    ("country", "UA", "Неверный вариант"),
]


@pytest.mark.parametrize(("field", "value", "says"), BAD, ids=[f"{f}-{v[:12]}" for f, v, _ in BAD])
def test_a_bad_kazakh_value_is_explained_beside_its_field_and_kept(app, admin, field, value, says):
    made_kazakh(app)
    response = admin.post("/staff/organization/", data={**KAZAKH, field: value})
    html = page(response)
    assert response.status_code == 200
    assert says in " ".join(errors_beside(html, field).split())
    assert str(escape(value)) in html or field == "country"
    assert not audited(app, "organization.update")


# --- money, receipts, time -----------------------------------------------------------------------------------------


@pytest.fixture
def both(app, user):
    """The tenant's account 100101 at the Russian УК and 200101 at a Kazakh КСК, each with two months of history."""
    russian = make_account(app, "100101", user_id=user)
    fields = {name: value for name, value in KAZAKH.items() if name not in ("name", "readings_from_day",
              "readings_until_day")}  # fmt: skip
    other_organization(app, "200101", user_id=user, **fields)
    with app.app_context():
        kazakh = db.session.scalar(select(Account.id).filter_by(number="200101"))
    for account in (russian, kazakh):
        add_history(app, account, date(2026, 10, 1), 2)
    return russian, kazakh


@pytest.fixture
def tenant(client, auth, both):
    auth.login()
    return client


def test_the_same_tenant_sees_rubles_for_the_russian_account_and_tenge_for_the_kazakh_one(tenant, both):
    russian, kazakh = both
    home = text(page(tenant.get("/cabinet/")))
    assert "Задолженность: 1 763,50 ₽" in home and "Задолженность: 1 763,50 ₸" in home
    assert "Задолженность: 1 763,50 ₽" in text(page(tenant.get(f"/balance/{russian}")))
    balance = text(page(tenant.get(f"/balance/{kazakh}")))
    assert "Задолженность: 1 763,50 ₸" in balance and "₽" not in balance.split("Баланс лицевого счета", 1)[1]
    assert "начислено 1 881,75 ₸" in text(page(tenant.get(f"/receipts/{kazakh}")))


def test_tenge_in_english_too(tenant, both):
    tenant.set_cookie("lang", "en")
    assert "₸1,763.50" in text(page(tenant.get(f"/balance/{both[1]}"))) and "KZT" not in page(tenant.get("/cabinet/"))


def test_a_kazakh_receipt_has_no_qr_code_but_the_requisites_to_pay_by(tenant, both):
    russian, kazakh = both
    html = page(tenant.get(f"/receipts/{kazakh}/{NOVEMBER}"))
    seen = text(html)
    assert "qr.png" not in html and 'data-test="no-qr"' not in html and "QR" not in seen
    for requisite in (f"БИН {BIN}, Кбе 17", f"ИИК {IIK}", "Банк: АО «Банк ЦентрКредит», БИК KCJBKZKX", "КНП 859"):
        assert requisite in seen
    assert "Итого к оплате 2 763,50 ₸" in seen and "Тариф, ₸" in seen and "₽" not in seen
    details = [text(d) for d in re.findall(r'data-test="detail">(.*?)</span>', html, re.S)]
    assert details[:7] == ["ТСЖ «Клён»", BIN, IIK, "KCJBKZKX", "АО «Банк ЦентрКредит»", "17", "859"]
    assert details[-1] == "2763,50"
    assert tenant.get(f"/receipts/{kazakh}/{NOVEMBER}/qr.png").status_code == 404
    assert f"/receipts/{russian}/{NOVEMBER}/qr.png" in page(tenant.get(f"/receipts/{russian}/{NOVEMBER}"))


def test_the_kazakh_pdf_has_the_requisites_in_tenge_and_no_image(tenant, both):
    pdf = PdfReader(io.BytesIO(tenant.get(f"/receipts/{both[1]}/{NOVEMBER}.pdf").data))
    written = " ".join(pdf.pages[0].extract_text().replace("\xa0", " ").split())
    assert f"БИН {BIN}" in written and f"ИИК {IIK}" in written and "КНП 859" in written
    assert "2 763,50 ₸" in written and "₽" not in written and "QR" not in written
    assert not pdf.pages[0].images


def test_the_checklist_asks_a_kazakh_organization_for_its_own_requisites(app):
    made_kazakh(app, kbe="", knp="", bic="")
    with app.test_request_context():
        (step,) = [s for s in checklist(default_organization(), app.config, "admin") if s.key == "requisites"]
    assert not step.done and "БИК, Кбе, КНП" in step.detail and "КПП" not in step.detail
    assert "QR" not in step.detail


def test_a_third_country_is_one_row_of_the_table(app, monkeypatch):
    # Uzbekistan, as a row of COUNTRIES only: its receipt without the QR code, its bank's code called МФО.
    uzbekistan = Country(
        name="Узбекистан", currency="UZS", sign="сўм", timezone="Asia/Tashkent",
        requisites=("inn", "bank_name", "bic", "settlement_account"), names={"bic": "МФО"},
        payment_needs=("name", "inn", "bic", "settlement_account"), transfer_form=("inn", "bic", "settlement_account"),
        payee_lines=((("inn", "ИНН %(inn)s"), ("bic", "МФО %(mfo)s")), (("settlement_account", "Счёт %(account)s"),)),
    )  # fmt: skip
    monkeypatch.setitem(COUNTRIES, "UZ", uzbekistan)
    made_kazakh(app, country="UZ", inn="302563846", bic="", settlement_account="20208000900123456001", kbe="", knp="")
    with app.test_request_context():
        organization = default_organization()
        assert [str(name) for name in missing_requisites(organization)] == ["МФО"]
        assert payee_lines(organization)[:2] == ["ИНН 302563846", "Счёт 20208000900123456001"]
        assert "Не заполнено: МФО. Пока их нет, в квитанциях не хватает реквизитов для оплаты." in requisites_step(app)
        organization.bic = "00873"
        assert payee_lines(organization)[0] == "ИНН 302563846, МФО 00873" and not missing_requisites(organization)


def test_a_new_kazakh_organization_starts_in_almatys_time_zone(app):
    with app.app_context():
        organization = Organization(name="КСК «Достык»", country="KZ")
        db.session.add(organization)
        db.session.commit()
        assert organization.timezone == "Asia/Almaty" and organization.currency == "KZT"
        assert Organization(name="УК").currency_sign == "₽"


# --- the demo ------------------------------------------------------------------------------------------------------


def test_the_demo_has_a_russian_uk_and_a_kazakh_ksk_and_a_tenant_with_accounts_in_both(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert "ALMA-2026" in result.output and "ksk" in result.output
    with app.app_context():
        russian, kazakh = db.session.scalars(select(Organization).order_by(Organization.id)).all()
        assert (russian.country, kazakh.country, kazakh.timezone) == ("RU", "KZ", "Asia/Almaty")
        requisites.check_bin(kazakh.inn), requisites.check_iik(kazakh.settlement_account)
        requisites.check_swift_bic(kazakh.bic), requisites.check_kbe(kazakh.kbe), requisites.check_knp(kazakh.knp)
        tenant = db.session.scalar(select(User).filter_by(login="demo"))
        bound = db.session.scalars(select(Account).join(AccountBinding).filter_by(user_id=tenant.id)).all()
        assert {account.organization.country for account in bound} == {"RU", "KZ"}
        assert all(building.address.startswith("г. Алматы") for building in kazakh.buildings)
    client = logged_in(app, "demo", "Zelenaya-Lampa-42")
    home = text(page(client.get("/cabinet/")))
    assert "₸" in home and "₽" in home and "г. Алматы, ул. Абая, д. 150, кв. 1" in home


# --- phones and time -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "stored", "shown"), [
    ("8 701 234 56 78", "+77012345678", "+7 701 234 5678"),  # a Kazakh mobile written the national way
    ("+7 (727) 250-15-00", "+77272501500", "+7 7272 50 15 00"),  # an Almaty landline
    ("8 912 345-67-89", "+79123456789", "+7 912 345-67-89"),  # a Russian mobile stays Russian
])  # fmt: skip
def test_a_phone_is_kazakh_or_russian_by_its_own_digits(app, typed, stored, shown):
    # Both countries dial +7 and the trunk 8: the number's own digits say whose it is, whatever PHONE_REGION says.
    from types import SimpleNamespace

    from kabinet.filters import phone, tel
    from kabinet.forms import PhoneNumber

    field = SimpleNamespace(data=typed)
    with app.test_request_context():
        PhoneNumber()(None, field)
        assert (field.data, phone(field.data), tel(typed)) == (stored, shown, f"tel:{stored}")


def test_an_organizations_moments_are_shown_in_its_time_zone(app):
    from datetime import datetime

    from kabinet.filters import datetime as shown

    with app.test_request_context():
        noon_utc = datetime(2026, 11, 30, 12, 0)
        assert shown(noon_utc, "Asia/Almaty") == "30.11.2026, 17:00"
        assert shown(noon_utc, "Europe/Moscow") == "30.11.2026, 15:00" == shown(noon_utc)
