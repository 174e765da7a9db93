"""The monthly receipt ("Распечатать квитанцию"): the list, the printable page and the PDF; who may open them.

The payment itself (the QR code, and when there is none) is tests/test_receipt_payment.py.
"""

import io
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from kabinet.extensions import db
from kabinet.models import Account, Charge, Payment
from kabinet.receipts import services
from tests.conftest import make_user, page, queries, require
from tests.factories import add_history, make_account

NOVEMBER = date(2026, 11, 1)
# add_history charges 1 656,15 + 225,60 = 1 881,75 a month and pays 1 000,00 on the 10th of the next month.
# From October: November opens with October's 1 881,75 unpaid, is charged 1 881,75 and receives 1 000,00.
TO_PAY = "2 763,50"


@pytest.fixture
def account(app, user):
    account_id = make_account(app, "100101", user_id=user)
    add_history(app, account_id, date(2026, 10, 1), 2)
    return account_id


@pytest.fixture
def tenant(client, auth, account):
    auth.login()
    return client


def text(html: str) -> str:
    """What a reader sees: tags dropped, the non-breaking spaces in numbers read as spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("\xa0", " ").split())


def cell(html: str, name: str) -> str:
    found = re.search(rf'data-test="{name}"[^>]*>(.*?)</', html, re.S)
    assert found, f"no {name} on the page"
    return text(found[1])


def payload_of(app, account_id, month=NOVEMBER) -> dict[str, str]:
    with app.test_request_context():
        receipt = services.receipt(db.session.get(Account, account_id), month)
        payload = services.payment_payload(receipt)
    header, *pairs = payload.split("|")
    assert header == "ST00012"
    fields = dict(pair.split("=", 1) for pair in pairs)
    assert len(fields) == len(pairs), "a key appears twice"
    return fields


def decode_qr(png: bytes, tmp_path) -> str:
    require(shutil.which("zbarimg") is not None, "zbar-tools is not installed (apt-get install zbar-tools)")
    path = tmp_path / "qr.png"
    path.write_bytes(png)
    # -Sbinary: the bytes as encoded, not guessed into a legacy encoding; ST00012 promises UTF-8.
    done = subprocess.run(["zbarimg", "--raw", "-q", "-Sbinary", str(path)], capture_output=True, check=True)
    return done.stdout.decode("utf-8").rstrip("\n")


# --- the pages --------------------------------------------------------------------------------------------------


def test_index_opens_the_first_accounts_receipts(tenant, account):
    assert tenant.get("/receipts/").location == f"/receipts/{account}"


def test_index_without_accounts_leads_to_binding(client, auth, user):
    auth.login()
    assert client.get("/receipts/").location == "/accounts/bind"


def test_visitors_must_log_in(client, account):
    for route in ("/receipts/", *ROUTES):
        assert client.get(route.format(id=account)).location.startswith("/auth/login")


def test_list_shows_months_with_charges_newest_first_with_totals(tenant, account):
    html = page(tenant.get(f"/receipts/{account}"))
    rows = [text(row) for row in re.findall(r'data-test="receipt">(.*?)</li>', html, re.S)]
    # December has only a payment: no charges, no receipt.
    assert [row.split(" начислено")[0] for row in rows] == ["ноябрь 2026", "октябрь 2026"]
    assert f"к оплате {TO_PAY} ₽" in rows[0] and "к оплате 1 881,75 ₽" in rows[1]
    assert f'href="/receipts/{account}/2026-11"' in html and f'href="/receipts/{account}/2026-11.pdf"' in html


def test_list_of_an_account_without_charges_says_so(tenant, app, user):
    empty = make_account(app, "100102", user_id=user, premises="2")
    html = page(tenant.get(f"/receipts/{empty}"))
    assert 'data-test="no-receipts"' in html and 'data-test="receipt"' not in html


def test_list_switches_between_the_tenants_accounts(tenant, app, user, account):
    other = make_account(app, "100102", user_id=user, premises="П-1")
    html = page(tenant.get(f"/receipts/{account}"))
    assert f'href="/receipts/{other}"' in html and "№ 100102" in html


def test_receipt_page_shows_the_payment_document(tenant, account):
    response = tenant.get(f"/receipts/{account}/2026-11")
    html = page(response)
    assert response.headers["Cache-Control"] == "no-store"
    seen = text(html)
    for requisite in ("УК «Наш дом»", "ИНН 3808123457, КПП 380801001", "Расчётный счёт 40702810818350001234",
                      "Банк: ПАО Сбербанк, БИК 042520607", "Корр. счёт 30101810900000000607"):  # fmt: skip
        assert requisite in seen
    assert "Петров Иван Сергеевич" in seen and "г. Иркутск, ул. Ленина, д. 5, кв. 1" in seen
    assert "Лицевой счёт № 100101, площадь 54,3 м², проживает: 2" in seen
    assert "за ноябрь 2026" in seen
    assert cell(html, "opening") == "1 881,75 ₽"
    assert cell(html, "charged") == "1 881,75 ₽"
    assert cell(html, "recalculated") == "0,00 ₽"
    assert cell(html, "paid") == "1 000,00 ₽"
    assert cell(html, "to-pay") == f"{TO_PAY} ₽"
    services_rows = [text(row) for row in re.findall(r'data-test="service">(.*?)</tr>', html, re.S)]
    assert services_rows == [
        "Содержание жилья 54,3 м² 30,50 1 656,15 0,00 1 656,15",
        "Холодное водоснабжение 5 м³ 45,12 225,60 0,00 225,60",
    ]
    assert cell(html, "services-total") == "1 881,75"
    assert f'src="/receipts/{account}/2026-11/qr.png"' in html
    assert f'href="/receipts/{account}/2026-11.pdf"' in html and "Скачать PDF" in html
    # Printing is a button for those with JavaScript, and the print styles for everyone.
    assert "data-print hidden>Печать</button>" in html and "/static/js/receipt.js" in html
    assert "/static/css/receipt.css" in html


def test_recalculation_counts_towards_the_total(tenant, app, account):
    with app.app_context():
        charge = db.session.scalar(db.select(Charge).filter_by(account_id=account, month=NOVEMBER).limit(1))
        charge.recalculation = Decimal("-100.25")
        db.session.commit()
    html = page(tenant.get(f"/receipts/{account}/2026-11"))
    assert cell(html, "recalculated") == "-100,25 ₽"
    assert cell(html, "services-total") == "1 781,50"
    assert cell(html, "to-pay") == "2 663,25 ₽"


def test_overpaid_month_shows_the_advance_and_nothing_to_pay(tenant, app, account):
    with app.app_context():
        db.session.add(Payment(account_id=account, paid_on=date(2026, 11, 3), amount=Decimal("5000.00")))
        db.session.commit()
    html = page(tenant.get(f"/receipts/{account}/2026-11"))
    assert cell(html, "paid") == "6 000,00 ₽"
    assert cell(html, "advance") == "2 236,50 ₽"
    assert cell(html, "to-pay") == "0,00 ₽"
    assert "переплата 2 236,50 ₽" in text(page(tenant.get(f"/receipts/{account}")))


def test_the_list_shows_charges_as_the_receipt_does_with_the_recalculation_apart(tenant, app, account):
    with app.app_context():
        charge = db.session.scalar(db.select(Charge).filter_by(account_id=account, month=NOVEMBER).limit(1))
        charge.recalculation = Decimal("-150.00")
        db.session.commit()
    rows = [
        text(row)
        for row in re.findall(r'data-test="receipt">(.*?)</li>', page(tenant.get(f"/receipts/{account}")), re.S)
    ]
    assert "начислено 1 881,75 ₽ перерасчёт -150,00 ₽" in rows[0]  # as «Начислено за период» and «Перерасчёт»
    assert "начислено 1 881,75 ₽ к оплате" in rows[1]  # no recalculation, no line
    receipt = page(tenant.get(f"/receipts/{account}/2026-11"))
    assert cell(receipt, "charged") == "1 881,75 ₽" and cell(receipt, "recalculated") == "-150,00 ₽"


def test_names_from_the_companys_files_are_escaped(tenant, app, user):
    account_id = make_account(app, "100102", user_id=user, premises="2", owner_name="<b>Петров</b> Иван")
    add_history(app, account_id, NOVEMBER, 1)
    html = page(tenant.get(f"/receipts/{account_id}/2026-11"))
    assert "<b>Петров</b>" not in html and "&lt;b&gt;Петров&lt;/b&gt;" in html


# --- the PDF ----------------------------------------------------------------------------------------------------


def test_pdf_is_the_same_receipt_with_its_qr_code(tenant, account, app, tmp_path):
    response = tenant.get(f"/receipts/{account}/2026-11.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="kvitanciya-100101-2026-11.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    seen = " ".join(reader.pages[0].extract_text().replace("\xa0", " ").split())
    for expected in ("Единый платёжный документ", "за ноябрь 2026", "УК «Наш дом»", "ИНН 3808123457",
                     "Лицевой счёт № 100101", "Петров Иван Сергеевич", "Содержание жилья", "Холодное водоснабжение",
                     "1 656,15", "225,60", f"Итого к оплате {TO_PAY} ₽"):  # fmt: skip
        assert expected in seen, expected
    qr = reader.pages[0].images[0].image
    out = io.BytesIO()
    qr.save(out, format="PNG")
    decoded = decode_qr(out.getvalue(), tmp_path)
    assert dict(p.split("=", 1) for p in decoded.split("|")[1:]) == payload_of(app, account)


def test_pdf_survives_characters_outside_its_font(tenant, app, user):
    account_id = make_account(app, "100102", user_id=user, premises="2", owner_name="Әлиев Ғалым 王")
    add_history(app, account_id, NOVEMBER, 1)
    response = tenant.get(f"/receipts/{account_id}/2026-11.pdf")
    assert response.status_code == 200
    assert "Әлиев Ғалым" in PdfReader(io.BytesIO(response.data)).pages[0].extract_text()


# --- what a tenant may not reach --------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["2026-13", "2026-00", "2026-1", "26-11", "ноябрь", "2026-11-01", "0000-01", ""])
def test_a_month_is_only_yyyy_mm(typed):
    assert services.parse_month(typed) is None


ROUTES = ("/receipts/{id}", "/receipts/{id}/2026-11", "/receipts/{id}/2026-11/qr.png",
          "/receipts/{id}/2026-11/qr-code.png", "/receipts/{id}/2026-11.pdf")  # fmt: skip


@pytest.mark.parametrize("route", ROUTES)
def test_another_tenants_account_is_not_found(tenant, app, route):
    olga = make_user(app, login="olga", email="olga@example.org")
    theirs = make_account(app, "200201", user_id=olga, premises="7")
    add_history(app, theirs, NOVEMBER, 1)
    assert tenant.get(route.format(id=theirs)).status_code == 404
    assert tenant.get(route.format(id=999999)).status_code == 404


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-11", "ноябрь-2026", "2026-11-01", "2026-12", "2020-01"])
@pytest.mark.parametrize("suffix", ["", "/qr.png", "/qr-code.png", ".pdf"])
def test_a_bad_month_or_one_without_charges_is_not_found(tenant, account, month, suffix):
    assert tenant.get(f"/receipts/{account}/{month}{suffix}").status_code == 404


# --- bounded queries --------------------------------------------------------------------------------------------


def test_pages_run_as_many_queries_for_ten_years_as_for_one_month(client, auth, app, user):
    short = make_account(app, "100101", user_id=user)
    add_history(app, short, NOVEMBER, 1)
    long = make_account(app, "100102", user_id=user, premises="2")
    add_history(app, long, date(2016, 12, 1), 120)
    auth.login()
    client.get(f"/receipts/{short}")  # the first page after login may refresh the session
    for route in ROUTES:
        counts = []
        for account_id in (short, long):
            with queries(app) as counted:
                assert client.get(route.format(id=account_id)).status_code == 200
            counts.append(counted.count)
        assert counts[0] == counts[1], f"{route}: {counts}"
