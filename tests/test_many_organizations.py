"""A tenant with accounts in two organizations (a flat at УК «Наш дом», a garage at ТСЖ «Клён»): each page about an
account speaks for its own organization, and what the tenant sends goes to the organization they chose."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from kabinet.extensions import db
from kabinet.models import Account, BookEntry, DispatchRequest, Feedback, Organization
from tests.conftest import logged_in, make_user, page
from tests.factories import add_history, make_account, make_staff, other_organization

KLEN = {
    "inn": "3808000019",
    "settlement_account": "40703810400000000777",
    "bank_name": "АО «Клён-Банк»",
    "phones": "+7 (3952) 700-700",
    "dispatch_phone": "+7 (3952) 700-701",
    "address": "г. Иркутск, ул. Кленовая, д. 1",
}


@pytest.fixture
def two(app, user):
    """Иван's accounts: 100101 at УК «Наш дом», 200101 at ТСЖ «Клён»; their ids and the organizations'."""
    flat = make_account(app, "100101", user_id=user)
    klen = other_organization(app, user_id=user, **KLEN)
    with app.app_context():
        garage = db.session.scalar(select(Account.id).where(Account.number == "200101"))
        home = db.session.get(Account, flat).organization_id
    return {"flat": flat, "garage": garage, "home": home, "klen": klen}


@pytest.fixture
def tenant(client, auth, two):
    auth.login()
    return client


def test_the_cabinet_groups_the_accounts_under_their_organizations(tenant, two):
    html = page(tenant.get("/cabinet/"))
    assert re.findall(r'data-test="organization">([^<]+)<', html) == ["УК «Наш дом»", "ТСЖ «Клён»"]
    groups = html.split('data-test="organization-accounts"')[1:]
    assert "№ 100101" in groups[0] and "№ 200101" not in groups[0]
    assert "№ 200101" in groups[1]


def test_one_organization_needs_no_heading(app, client, auth, user):
    make_account(app, "100101", user_id=user)
    auth.login()
    assert 'data-test="organization"' not in page(client.get("/cabinet/"))


@pytest.mark.parametrize("route", ["/balance/{id}", "/readings/{id}", "/receipts/{id}"])
def test_a_page_about_an_account_speaks_for_its_organization(tenant, two, route):
    html = page(tenant.get(route.format(id=two["garage"])))
    header = html.split("</header>")[0] if "</header>" in html else html.split("<main")[0]
    assert "ТСЖ «Клён»" in header and "+7 (3952) 700-700" in header
    assert "УК «Наш дом»" not in header


def test_each_receipt_carries_its_own_organizations_requisites(app, tenant, two):
    add_history(app, two["flat"], date(2026, 10, 1), 1, payment=None)
    add_history(app, two["garage"], date(2026, 10, 1), 1, payment=None)
    flat = page(tenant.get(f"/receipts/{two['flat']}/2026-10"))
    garage = page(tenant.get(f"/receipts/{two['garage']}/2026-10"))
    assert "ИНН 3808123457" in flat and "40702810818350001234" in flat and "3808000019" not in flat
    assert "ИНН 3808000019" in garage and "40703810400000000777" in garage and "АО «Клён-Банк»" in garage
    assert "3808123457" not in garage


def test_the_contacts_show_each_of_the_tenants_organizations(tenant):
    html = page(tenant.get("/contacts/"))
    assert html.count('data-test="organization"') == 2 and "+7 (3952) 700-701" in html


def test_the_requests_page_shows_the_dispatch_phone_of_each_organization(tenant):
    phones = re.findall(r'data-test="dispatch-phone">.*?href="tel:([^"]+)"', page(tenant.get("/dispatch/")), re.S)
    assert phones == ["+73952599019", "+73952700701"]


def test_a_request_for_the_second_account_reaches_the_second_organizations_queue_only(app, tenant, two):
    form = page(tenant.get(f"/dispatch/new?account_id={two['garage']}"))
    assert "+7 (3952) 700-701" in form  # the phone of the service the request goes to
    filing = {"account": two["garage"], "category": "leak", "description": "Течёт крыша гаража",
              "contact_phone": "+79123456789"}  # fmt: skip
    answer = tenant.post("/dispatch/new", data=filing)
    assert answer.status_code == 302
    with app.app_context():
        filed = db.session.scalar(select(DispatchRequest))
        assert filed.organization_id == two["klen"]
    make_staff(app, "dispatcher")
    make_user(app, login="klen", email="klen@staff.example.org", role="dispatcher", organization_id=two["klen"])
    mark = f'data-test="request" data-id="{filed.id}"'
    assert mark in page(logged_in(app, "klen").get("/staff/dispatch/"))
    ours = logged_in(app, "dispatcher")
    assert mark not in page(ours.get("/staff/dispatch/?status=all"))
    assert ours.get(f"/staff/dispatch/{filed.id}").status_code == 404


def test_a_book_entry_goes_to_the_organization_chosen(app, tenant, two):
    form = page(tenant.get(f"/book/new?organization_id={two['klen']}"))
    assert re.search(rf'<option selected value="{two["klen"]}">ТСЖ «Клён»', form)
    tenant.post("/book/new", data={"organization": two["klen"], "kind": "complaint", "subject": "Ворота гаража",
                                   "text": "Не закрываются"})  # fmt: skip
    with app.app_context():
        assert db.session.scalar(select(BookEntry.organization_id)) == two["klen"]


def test_a_book_entry_cannot_go_to_an_organization_not_the_tenants(app, tenant, two):
    with app.app_context():
        stranger = Organization(name="ОСИ «Чужая»")
        db.session.add(stranger)
        db.session.commit()
        stranger_id = stranger.id
    form = page(tenant.get("/book/new"))
    assert "ОСИ «Чужая»" not in form
    response = tenant.post("/book/new", data={"organization": stranger_id, "kind": "complaint", "subject": "Тема",
                                              "text": "Текст"})  # fmt: skip
    assert "Выберите организацию из предложенных." in page(response) and 'value="Тема"' in page(response)
    with app.app_context():
        assert db.session.scalar(select(BookEntry)) is None


def test_feedback_offers_the_tenants_organizations_and_reaches_the_chosen_one(app, tenant, two):
    with app.app_context():
        db.session.add(Organization(name="ОСИ «Чужая»"))
        db.session.commit()
    form = page(tenant.get(f"/contacts/feedback?organization_id={two['klen']}"))
    assert "ТСЖ «Клён»" in form and "УК «Наш дом»" in form and "ОСИ «Чужая»" not in form
    tenant.post("/contacts/feedback", data={"organization": two["klen"], "name": "Иван", "contact": "ivan@example.org",
                                            "message": "Спасибо за ворота"})  # fmt: skip
    with app.app_context():
        assert db.session.scalar(select(Feedback.organization_id)) == two["klen"]


def test_another_tenants_account_in_another_organization_is_not_found(app, client, two):
    make_user(app, login="olga", email="olga@example.org")
    stranger = logged_in(app, "olga")
    for route in ("/balance/{id}", "/readings/{id}", "/receipts/{id}", "/dispatch/new?account_id={id}"):
        assert stranger.get(route.format(id=two["garage"])).status_code == 404


def test_a_request_and_a_book_entry_speak_for_the_organization_they_went_to(app, tenant, two):
    filing = {"account": two["garage"], "category": "leak", "description": "Течёт крыша гаража",
              "contact_phone": "+79123456789"}  # fmt: skip
    request_page = tenant.get(tenant.post("/dispatch/new", data=filing).location)
    entry = {"organization": two["klen"], "kind": "complaint", "subject": "Ворота", "text": "Не закрываются"}
    entry_page = tenant.get(tenant.post("/book/new", data=entry).location)
    for html in (page(request_page), page(entry_page)):
        header = html.split("<main")[0]
        assert "ТСЖ «Клён»" in header and "УК «Наш дом»" not in header
