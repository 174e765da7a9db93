"""The first-login address form («Создать»): the house found among the organizations' houses leads to binding with its
organization; a house not on the platform yet puts the tenant on the waiting list, told once when it arrives."""

import pytest
from sqlalchemy import event, select

from kabinet import messages
from kabinet.accounts import addresses, codewords
from kabinet.accounts.addresses import Typed, matches
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.imports import services as imports
from kabinet.models import Account, BindingRequest, Building, Organization, OutboxMessage, User, WaitingAddress
from kabinet.organizations import default_organization
from kabinet.staff.organization.services import add_house, rename_house
from tests.conftest import logged_in, make_user, page, queries, shows
from tests.factories import make_account, make_staff, other_organization

LENINA = {"city": "Иркутск", "street": "Ленина", "house": "5", "premises": "12", "role": "resident"}
KLENOVAYA = {**LENINA, "street": "ул. Кленовая", "house": "д. 2"}
CODE_WORD = "ROMASHKA-17"
NOWHERE = {**LENINA, "city": "Алматы", "street": "мкр. Самал-2", "house": "58"}


@pytest.fixture
def houses(app):
    """УК «Наш дом» serves «г. Иркутск, ул. Ленина, д. 5», ТСЖ «Клён» «г. Иркутск, ул. Кленовая, д. 2»."""
    account_id = make_account(app, "100101")
    with app.app_context():
        codewords.issue(db.session.get(Account, account_id), CODE_WORD, utcnow())
        db.session.commit()
    return other_organization(app)


@pytest.mark.parametrize("route", ["/cabinet/", "/accounts/address"])
def test_a_confirmed_tenant_without_accounts_finds_the_address_form(tenant, route):
    html = page(tenant.get(route))
    assert 'action="/accounts/address"' in html
    for label in ("Город", "Улица", "Дом", "Квартира или помещение", "Собственник", "Житель", "Создать"):
        assert label in html


def test_a_tenant_with_an_account_keeps_the_cabinet_and_can_add_an_address(app, tenant, user):
    make_account(app, "100101", user_id=user)
    html = page(tenant.get("/cabinet/"))
    assert 'data-test="account"' in html and 'href="/accounts/address"' in html and "Добавить адрес" in html


def test_a_tenant_with_a_request_waiting_keeps_the_cabinet(app, tenant, user, houses):
    tenant.post("/accounts/address/continue", data={**LENINA, "building": lenina(app), "way": "address"})
    html = page(tenant.get("/cabinet/"))
    assert 'data-test="pending"' in html and 'data-test="address-form"' not in html


def lenina(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Building.id).where(Building.address == "г. Иркутск, ул. Ленина, д. 5"))


def test_the_house_found_is_offered_with_both_ways(app, tenant, houses):
    html = page(tenant.post("/accounts/address", data=LENINA))
    assert 'data-test="found"' in html and "г. Иркутск, ул. Ленина, д. 5 — УК «Наш дом»" in html
    assert "ТСЖ «Клён»" not in html.split('data-test="found"')[1]
    assert "По кодовому слову" in html and "По адресу" in html
    assert 'value="Ленина"' in html and 'value="12"' in html  # what was typed stays in the form


def test_by_address_the_request_goes_to_the_house_of_the_organization_found(app, tenant, user, houses):
    tenant.post("/accounts/address", data=KLENOVAYA)
    with app.app_context():
        building = db.session.scalar(select(Building).where(Building.organization_id == houses))
        building_id = building.id
    answer = tenant.post("/accounts/address/continue", data={**KLENOVAYA, "building": building_id, "way": "address"})
    assert answer.location == "/cabinet/"
    home = tenant.get("/cabinet/")
    assert shows(home, messages.BINDING_REQUESTED) and 'data-test="pending"' in page(home)
    with app.app_context():
        request = db.session.scalar(select(BindingRequest))
        assert (request.user_id, request.building_id, request.premises, request.role) == (
            user, building_id, "12", "resident"
        )
        request_id = request.id
    make_staff(app, "admin")
    make_user(app, login="klen", email="klen@staff.example.org", role="admin", organization_id=houses)
    assert logged_in(app, "klen").get(f"/staff/accounts/bindings/{request_id}").status_code == 200
    assert logged_in(app, "admin").get(f"/staff/accounts/bindings/{request_id}").status_code == 404


def test_by_code_word_the_wizard_goes_on_with_the_organization_found(app, tenant, user, houses):
    answer = tenant.post("/accounts/address/continue", data={**LENINA, "building": lenina(app), "way": "number"})
    assert answer.location == "/accounts/bind/number"
    assert "УК «Наш дом»" in page(tenant.get("/accounts/bind/number"))
    assert tenant.post("/accounts/bind/number", data={"number": "100101", "code_word": CODE_WORD}).location == (
        "/accounts/bind/choose"
    )
    choose = page(tenant.get("/accounts/bind/choose"))
    assert 'value="resident" checked' in choose  # the role chosen in the address form
    with app.app_context():
        account = db.session.scalar(select(Account.id).where(Account.number == "100101"))
    tenant.post("/accounts/bind/choose", data={"accounts": [account], "role": "resident"})
    tenant.post("/accounts/bind/finish")
    assert 'data-test="account"' in page(tenant.get("/cabinet/"))


def test_the_same_address_in_two_organizations_offers_both_houses(app, tenant, houses):
    with app.app_context():
        db.session.add(Building(organization_id=houses, address="Иркутск, Ленина 5"))
        db.session.commit()
    found = page(tenant.post("/accounts/address", data=LENINA)).split('data-test="found"')[1]
    assert "УК «Наш дом»" in found and "ТСЖ «Клён»" in found


def test_a_house_of_another_address_cannot_be_continued_with(app, tenant, houses):
    with app.app_context():
        klen_house = db.session.scalar(select(Building.id).where(Building.organization_id == houses))
    response = tenant.post("/accounts/address/continue", data={**LENINA, "building": klen_house, "way": "address"})
    assert "Выберите дом из найденных по вашему адресу." in page(response) and 'data-test="found"' in page(response)
    with app.app_context():
        assert db.session.scalar(select(BindingRequest)) is None


def test_not_found_offers_the_waiting_list_with_the_email_filled_in(tenant, houses):
    html = page(tenant.post("/accounts/address", data=NOWHERE))
    assert "Ваш КСК ещё не подключён к платформе" in html and 'data-test="missing"' in html
    assert 'value="ivan@example.org"' in html


def test_the_waiting_person_is_told_once_when_an_organization_adds_the_house(app, tenant, houses, mailbox, deliver):
    answer = tenant.post("/accounts/address/wait", data={**NOWHERE, "email": "ivan.home@example.org"})
    assert answer.location == "/accounts/address"
    assert "ivan.home@example.org" in page(tenant.get(answer.location))
    with app.app_context():
        waiting = db.session.scalar(select(WaitingAddress))
        assert (waiting.city, waiting.street, waiting.house) == ("Алматы", "мкр. Самал-2", "58")
        assert waiting.notified_at is None
        admin = db.session.get(User, make_user(app, login="klen", email="klen@staff.example.org", role="admin",
                                                organization_id=houses))  # fmt: skip
        klen = db.session.get(Organization, houses)
        add_house(klen, "г. Алматы, мкр. Самал-2, д. 60", by=admin)  # another house: nobody told
        assert db.session.scalar(select(WaitingAddress.notified_at)) is None
        add_house(klen, "г. Алматы, мкр Самал-2, дом 58", by=admin)
        assert db.session.scalar(select(WaitingAddress.notified_at)) is not None
        db.session.execute(db.delete(Building).where(Building.address.like("%58")))
        db.session.commit()
        add_house(klen, "Алматы, Самал-2, 58", by=admin)  # the same house again: told once only
    deliver()
    (message,) = mailbox.to("ivan.home@example.org")
    assert "ТСЖ «Клён»" in message["Subject"] and "/accounts/address" in message.get_body(("plain",)).get_content()


def test_an_import_that_brings_houses_tells_each_waiting_person_once_and_its_preview_nobody(app, houses, tmp_path):
    export = tmp_path / "accounts.csv"
    export.write_text(
        "Лицевой счет;Адрес;Квартира;Собственник\n"
        "200200;г. Иркутск, ул. Кленовая, д. 4;1;Анна\n"
        "200201;г. Иркутск, ул. Кленовая, д. 4;2;Пётр\n"
        "200202;г. Иркутск, ул. Кленовая, д. 6;1;Борис\n"
        "200203;Иркутск, Кленовая, 8А;1;Вера\n"
        "200204;г. Иркутск, ул. Кленовая, д. 2;3;Галина\n"  # a house the organization had already
    )
    waiting = {
        "anna@example.org": Typed("Иркутск", "Кленовая", "4"),
        "boris@example.org": Typed("иркутск", "ул. Кленовая", "д. 6"),
        "vera@example.org": Typed("Иркутск", "Кленовая", "8 а"),
        "gleb@example.org": Typed("Иркутск", "Кленовая", "10"),  # not in the file: waits on
    }
    with app.app_context():
        for email, typed in waiting.items():
            addresses.wait(email, typed, "1")
        klen = db.session.get(Organization, houses)
        imports.preview("accounts", export, klen)
        assert db.session.scalar(select(OutboxMessage)) is None
        assert db.session.scalar(select(WaitingAddress).where(WaitingAddress.notified_at.is_not(None))) is None
        with queries(app) as counted:
            imports.run("accounts", export, klen)
        assert sorted(db.session.scalars(select(OutboxMessage.recipient))) == [
            "anna@example.org", "boris@example.org", "vera@example.org"
        ]  # fmt: skip
        assert db.session.scalars(select(WaitingAddress.email).where(WaitingAddress.notified_at.is_(None))).all() == [
            "gleb@example.org"
        ]
        # The waiting list is read once for the three houses, not once a house.
        assert len([s for s in counted.statements if "FROM waiting_addresses" in s]) == 1
        [imported] = addresses.find_houses(Typed("Иркутск", "Кленовая", "8а"))
        assert imported.address == "Иркутск, Кленовая, 8А"


def test_a_house_renamed_to_the_address_people_typed_tells_them(app, houses, mailbox, deliver):
    with app.app_context():
        addresses.wait("anna@example.org", Typed("Иркутск", "Кленовая", "4"), "1")
        klen = db.session.get(Organization, houses)
        mistyped = add_house(klen, "г. Иркутск, ул. Кленовоя, д. 4", by=None)
        assert db.session.scalar(select(OutboxMessage)) is None
        assert addresses.find_houses(Typed("Иркутск", "Кленовая", "4")) == []
        rename_house(mistyped, "г. Иркутск, ул. Кленовая, д. 4", by=None)
        assert [b.id for b in addresses.find_houses(Typed("Иркутск", "Кленовая", "4"))] == [mistyped.id]
        assert addresses.find_houses(Typed("Иркутск", "Кленовоя", "4")) == []
        rename_house(mistyped, "г. Иркутск, ул. Кленовая, дом 4", by=None)  # corrected again: told once only
    deliver()
    (message,) = mailbox.to("anna@example.org")
    assert "ТСЖ «Клён»" in message["Subject"]


# Houses whose lines test the lookup: the city missing (then in the organization's address), letters, «ё», a street
# named with a number, a house number that another one ends with, and characters SQL's LIKE reads as wildcards.
TRICKY_HOUSES = [
    "г. Иркутск, ул. Ленина, д. 5",
    "г. Иркутск, ул.Ленина, д.15",
    "Иркутск, Ленина, 5А",
    "г. Иркутск, ул. Ленина, д. 5 б",
    "г. Иркутск, ул. Ленина, д. 5, корп. 2",
    "г. Иркутск, ул. Ленина, д. 5/1",
    "г. Ангарск, ул. Ленина, д. 5",
    "г. Иркутск, ул. Карла Маркса, д. 5",
    "г. Иркутск, ул. 8 Марта, д. 5",
    "г. Иркутск, ул. Клёновая, д. 2",
    "г. Алматы, мкр. Самал-2, д. 58",
]
TRICKY_TYPED = [
    ("Иркутск", "Ленина", "5"),
    ("иркутск", "УЛ. ЛЕНИНА", "д.5"),
    ("Иркутск", "Ленина", "5 а"),
    ("Иркутск", "Ленина", "5Б"),
    ("Иркутск", "Ленина", "15"),
    ("Иркутск", "Ленина", "_5"),
    ("Иркутск", "Ленина", "5/1"),
    ("Иркутск", "Ленина", "5 корп 2"),
    ("Ангарск", "Ленина", "5"),
    ("Иркутск", "Карла Маркса", "5"),
    ("Иркутск", "8 Марта", "5"),
    ("Иркутск", "Кленовая", "2"),
    ("Алматы", "Самал-2", "58"),
    ("Алматы", "мкр. Самал", "2"),
    ("Иркутск", "Ленина", "%"),
]


def test_the_lookup_finds_what_comparing_every_house_finds_and_reads_only_the_candidates(app):
    with app.app_context():
        ours = default_organization()
        ours.address = "г. Иркутск, ул. Сухэ-Батора, 1"
        klen = Organization(name="ТСЖ «Клён»", address="г. Иркутск")
        db.session.add_all(Building(organization=o, address=a) for o in (ours, klen) for a in TRICKY_HOUSES)
        db.session.add(Building(organization=klen, address="ул. Ленина, д. 5"))  # the city in the organization's
        db.session.commit()
        every = db.session.scalars(select(Building)).all()
        for typed in map(Typed._make, TRICKY_TYPED):
            compared = [b for b in every if matches(typed, b.address, b.organization.address)]
            expected = sorted(compared, key=lambda b: (b.organization.name, b.address))
            assert addresses.find_houses(typed) == expected, typed
        db.session.expunge_all()
        read = []

        def record(building, _context):
            read.append(building.address)

        event.listen(Building, "load", record)
        try:
            addresses.find_houses(Typed("Иркутск", "Ленина", "5"))
        finally:
            event.remove(Building, "load", record)
        assert set(read) == {
            "г. Иркутск, ул. Ленина, д. 5", "г. Иркутск, ул. Ленина, д. 5, корп. 2", "г. Ангарск, ул. Ленина, д. 5",
            "ул. Ленина, д. 5",
        }  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"city": ""}, "city", "Укажите город."),
        ({"street": " "}, "street", "Укажите улицу или микрорайон."),
        ({"house": ""}, "house", "Укажите номер дома."),
        ({"premises": ""}, "premises", "Укажите номер квартиры или помещения."),
        ({"house": "1" * 17}, "house", "Не длиннее 16 символов."),
        ({"city": "Г" * 65}, "city", "Не длиннее 64 символов."),
        ({"role": ""}, "role", "Выберите роль."),
    ],
)
def test_bad_input_is_explained_beside_the_field_and_kept(tenant, houses, changes, field, error):
    html = page(tenant.post("/accounts/address", data={**LENINA, **changes}))
    assert f'id="{field}-errors"' in html and error in html
    assert 'data-test="found"' not in html and 'data-test="missing"' not in html
    kept = {name: value for name, value in LENINA.items() if name not in changes and name != "role"}
    for value in kept.values():
        assert f'value="{value}"' in html


@pytest.mark.parametrize("email", ["", "not-an-email"])
def test_a_bad_email_for_the_waiting_list_is_explained_and_the_address_kept(app, tenant, houses, email):
    html = page(tenant.post("/accounts/address/wait", data={**NOWHERE, "email": email}))
    assert 'id="email-errors"' in html and 'data-test="missing"' in html and 'value="мкр. Самал-2"' in html
    with app.app_context():
        assert db.session.scalar(select(WaitingAddress)) is None


def test_visitors_must_log_in(client):
    for route in ("/accounts/address",):
        assert client.get(route).location.startswith("/auth/login")
    assert client.post("/accounts/address/wait", data=NOWHERE).location.startswith("/auth/login")


@pytest.mark.parametrize(
    ("typed", "house", "organization_address", "same"),
    [
        (("Иркутск", "Ленина", "5"), "г. Иркутск, ул. Ленина, д. 5", "", True),
        (("иркутск", "УЛ. ЛЕНИНА", "д.5"), "г. Иркутск, ул.Ленина, д.5", "", True),
        (("Иркутск", "Ленина", "5"), "ул. Ленина, д. 5", "г. Иркутск, ул. Сухэ-Батора, 1", True),
        (("Иркутск", "Ленина", "5 а"), "Иркутск, Ленина, 5А", "", True),
        (("Иркутск", "Ленина", "5"), "г. Иркутск, ул. Ленина, д. 15", "", False),
        (("Иркутск", "Ленина", "5"), "г. Иркутск, ул. Ленина, д. 5А", "", False),
        (("Ангарск", "Ленина", "5"), "г. Иркутск, ул. Ленина, д. 5", "", False),
        (("Иркутск", "Ленина", "5"), "ул. Ленина, д. 5", "", False),
        (("Иркутск", "Карла Маркса", "5"), "г. Иркутск, ул. Ленина, д. 5", "", False),
    ],
)
def test_how_a_typed_address_matches_a_house(typed, house, organization_address, same):
    assert matches(Typed(*typed), house, organization_address) is same


@pytest.fixture
def tenant(client, auth, user):
    auth.login()
    return client


def test_the_email_offered_is_the_logged_in_tenants_own(app, houses):
    make_user(app, login="olga", email="olga@example.org")
    olga = logged_in(app, "olga")
    assert 'value="olga@example.org"' in page(olga.post("/accounts/address", data=NOWHERE))


def test_the_waiting_list_is_rate_limited_per_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_FEEDBACK="2/minute")
    make_user(app)
    client = logged_in(app, "ivan")
    codes = [
        client.post("/accounts/address/wait", data={**NOWHERE, "email": f"n{n}@example.org"}).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]
    with app.app_context():
        assert len(db.session.scalars(select(WaitingAddress)).all()) == 2
