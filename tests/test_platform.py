"""The platform administrator: made on the command line, creates organizations, invites their first admins, sees
their counts and never a tenant's personal data; and the public home page's counters across the platform."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from kabinet import messages
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import DispatchRequest, Organization, OutboxMessage, User
from kabinet.organizations import default_organization
from kabinet.platform import services
from tests.conftest import audited, continue_from, links_in, logged_in, make_user, page, queries, shows
from tests.factories import make_account, make_staff, other_organization
from tests.test_kazakhstan import BIN

STAFF_PASSWORD = "Tikhaya-Reka-Osen-77"
# What a tenant told their organization, which the platform administrator must never read.
TENANT = {"last_name": "Засекреченный", "email": "secret-tenant@example.org", "phone": "+79990001122"}


def invitation_link(mailbox, deliver, address) -> str:
    deliver()
    links = [link for link in links_in(mailbox.last(address)) if "/staff/team/invitation/" in link]
    assert links, "the invitation carries its link"
    return links[0].replace("http://127.0.0.1:5000", "")


def accept(app, link, login):
    """Follow the invitation, set the password, log in: the client and where the login sent it."""
    client = app.test_client()
    assert continue_from(client, link).location == "/staff/team/invitation"
    chosen = {"password": STAFF_PASSWORD, "password_confirm": STAFF_PASSWORD}
    assert client.post("/staff/team/invitation", data=chosen).status_code == 302
    landed = client.post("/auth/login", data={"login": login, "password": STAFF_PASSWORD})
    assert landed.status_code == 302, page(landed)
    return client, landed.location


@pytest.fixture
def platform(app):
    """A logged-in platform administrator (made as the CLI makes them, without the e-mail)."""
    make_user(app, login="root", email="root@platform.example.org", role="platform")
    return logged_in(app, "root")


def test_the_cli_makes_a_platform_administrator_who_creates_an_organization_and_invites_its_admin(
    app, mailbox, deliver
):
    make_account(app, "555777")  # the installation's own organization, with its data
    result = app.test_cli_runner().invoke(
        args=["staff", "create", "--email", "root@platform.example.org", "--role", "platform", "--login", "root"]
    )
    assert result.exit_code == 0, result.output
    link = invitation_link(mailbox, deliver, "root@platform.example.org")
    assert "Администратор платформы" in mailbox.last("root@platform.example.org").get_body(("plain",)).get_content()
    with app.app_context():
        root = db.session.scalar(select(User).where(User.login == "root"))
        assert root.role == "platform" and root.organization_id is None

    client, landed = accept(app, link, "root")
    assert landed == "/platform/" and client.get("/auth/login").location == "/platform/"

    kazakh = {"name": "КСК «Алатау»", "kind": "ksk", "country": "KZ", "inn": BIN}
    response = client.post("/platform/organizations/new", data=kazakh)
    assert response.status_code == 302
    created = str(messages.PLATFORM_ORGANIZATION_CREATED.text) % {"name": "КСК «Алатау»"}
    assert shows(client.get(response.location), created)
    with app.app_context():
        alatau = db.session.scalar(select(Organization).where(Organization.name == "КСК «Алатау»"))
        assert (alatau.kind, alatau.country, alatau.inn, alatau.currency) == ("ksk", "KZ", BIN, "KZT")
        assert alatau.timezone == "Asia/Almaty"
    chair = {"email": "chair@alatau.example.kz", "first_name": "Айгуль", "last_name": "Сейтова"}
    invited = client.post(f"/platform/organizations/{alatau.id}/invite", data=chair)
    assert invited.status_code == 302
    link = invitation_link(mailbox, deliver, "chair@alatau.example.kz")
    assert "КСК «Алатау»" in mailbox.last("chair@alatau.example.kz").get_body(("plain",)).get_content()
    assert "Сейтова" in page(client.get(f"/platform/organizations/{alatau.id}"))

    chair, landed = accept(app, link, "chair")
    home = chair.get(landed)
    assert home.status_code == 200 and "КСК «Алатау»" in page(home)
    assert "555777" not in page(chair.get("/staff/accounts/"))  # the installation's accounts are not theirs
    assert audited(app, "platform.create")[0].details.startswith("КСК «Алатау»")


def test_the_cli_refuses_an_organization_for_the_platform_administrator(app):
    result = app.test_cli_runner().invoke(
        args=["staff", "create", "--email", "root@platform.example.org", "--role", "platform", "--org", "1"]
    )
    assert result.exit_code == 1 and "не принадлежит организации" in result.output


def test_the_organizations_list_shows_counts_and_no_tenants_personal_data(app, platform):
    tenant = make_user(app, login="secret", phone=TENANT["phone"], email=TENANT["email"], last_name=TENANT["last_name"])
    account = make_account(app, "100101", user_id=tenant, owner_name="Засекречено Аркадий")
    make_account(app, "100102", premises="2")
    make_staff(app, "dispatcher")
    other_organization(app)
    with app.app_context():
        organization = default_organization()
        db.session.add_all([
            DispatchRequest(organization_id=organization.id, account_id=account, user_id=tenant, category="leak",
                            description="Течёт кран", location="кв. 1", contact_phone=TENANT["phone"])
            for _ in range(3)
        ])  # fmt: skip
        db.session.commit()
        first = organization.id
    listing = platform.get("/platform/")
    row = re.search(rf'data-test="organization-{first}">(.*?)</tr>', page(listing), re.S).group(1)
    # houses, accounts, tenants, requests this month, staff
    assert re.findall(r'text-end">(\d+)<', row) == ["1", "2", "1", "3", "1"]
    assert "ТСЖ «Клён»" in page(listing)
    for url in ["/platform/", f"/platform/organizations/{first}", "/platform/organizations/new"]:
        shown = page(platform.get(url))
        leaked = [value for value in (*TENANT.values(), "Засекречено", "Течёт кран", "ул. Ленина") if value in shown]
        assert not leaked, f"{url} shows {leaked}"


def test_the_counts_are_one_query(app, platform):
    for number in ("100101", "100102"):
        make_account(app, number, premises=number)
    other_organization(app)
    with app.app_context(), queries(app) as counted:
        rows = services.counts(services.month_start(date.today()))
    assert [row.accounts for row in rows] == [1, 2] and counted.count == 1


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"name": "", "kind": "ksk", "inn": ""}, "name", "Укажите наименование организации."),
        ({"name": "КСК «Алатау»", "kind": "ksk", "inn": "12345"}, "inn", "ИНН — это 10 цифр"),
        ({"name": "КСК «Алатау»", "kind": "ksk", "inn": "7707083894"}, "inn", "не сходится контрольная цифра"),
        ({"name": "КСК «Алатау»", "kind": "завод", "inn": ""}, "kind", "Выберите вид организации"),
        ({"name": "КСК «Алатау»", "kind": "ksk", "country": "KZ", "inn": "7707083893"}, "inn", "БИН — это 12 цифр"),
        ({"name": "КСК «Алатау»", "kind": "ksk", "country": "KZ", "inn": BIN[:-1] + str((int(BIN[-1]) + 1) % 10)},
         "inn", "Такого БИН не бывает"),  # fmt: skip
        ({"name": "КСК «Алатау»", "kind": "ksk", "country": "US", "inn": ""}, "country", "Выберите страну"),
    ],
)
def test_a_bad_organization_is_refused_beside_the_field_with_what_was_typed(app, platform, fields, field, error):
    response = platform.post("/platform/organizations/new", data=fields)
    assert response.status_code == 200
    text = page(response)
    assert re.search(rf'id="{field}-errors"[^>]*>\s*<div>[^<]*{re.escape(error)}', text), error
    assert f'value="{fields["name"]}"' in text and f'value="{fields["inn"]}"' in text  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(Organization).where(Organization.name == "КСК «Алатау»")) is None


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"email": "not-an-email", "first_name": "Айгуль", "last_name": "Сейтова"}, "e-mail"),
        ({"email": "", "first_name": "Айгуль", "last_name": "Сейтова"}, "e-mail"),
        ({"email": "root@platform.example.org", "first_name": "Айгуль", "last_name": "Сейтова"}, "уже"),
        ({"email": "chair@alatau.example.kz", "first_name": "", "last_name": "Сейтова"}, "им"),
    ],
)
def test_a_bad_invitation_is_refused_with_what_was_typed(app, platform, fields, error):
    organization = other_organization(app)
    response = platform.post(f"/platform/organizations/{organization}/invite", data=fields)
    assert response.status_code == 200 and error in page(response).lower()
    assert "Сейтова" in page(response)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.last_name == "Сейтова")) is None


@pytest.mark.parametrize(("country", "number", "named"), [("RU", "3808123457", "ИНН"), ("KZ", BIN, "БИН")])
def test_an_organizations_page_names_its_number_as_its_country_does(app, platform, country, number, named):
    organization_id = other_organization(app, country=country, inn=number)
    seen = page(platform.get(f"/platform/organizations/{organization_id}"))
    assert f"{named} {number}" in seen and f"{'ИНН' if named == 'БИН' else 'БИН'} {number}" not in seen


def test_an_unknown_organization_answers_404(platform):
    assert platform.get("/platform/organizations/999").status_code == 404
    assert platform.post("/platform/organizations/999/invite", data={}).status_code == 404


def test_the_platform_administrator_opens_no_organizations_back_office(app, platform):
    make_account(app, "100101")
    for url in ["/staff/", "/staff/accounts/", "/staff/tenants/", "/staff/dispatch/", "/staff/audit",
                "/staff/imports/", "/staff/content/book", "/staff/organization/"]:  # fmt: skip
        assert platform.get(url).status_code == 404, url
    assert platform.get("/staff/team/2fa").status_code == 200  # their own second factor


def test_the_status_page_passes_to_the_platform_administrator(app):
    make_staff(app, "admin")
    admin = logged_in(app, "admin")
    assert admin.get("/staff/status/").status_code == 200  # no platform administrator yet: the admin's, as before
    make_user(app, login="root", email="root@platform.example.org", role="platform")
    assert admin.get("/staff/status/").status_code == 404
    root = logged_in(app, "root")
    status = root.get("/staff/status/")
    assert status.status_code == 200 and 'data-test="platform-menu"' in page(status)


def test_the_platform_administrator_reads_a_failed_emails_domain_not_its_recipient(app):
    make_staff(app, "admin")
    with app.app_context():
        refused = "SMTPRecipientsRefused: <secret-tenant@example.org> 550 no such user"
        failed = OutboxMessage(recipient="secret-tenant@example.org", subject="Т", body_text="…", body_html="…",
                               attempts=12, failed_at=utcnow(), last_error=refused)  # fmt: skip
        db.session.add(failed)
        db.session.commit()
        failed = failed.id
    assert "secret-tenant@example.org" in page(logged_in(app, "admin").get("/staff/status/"))  # the company's own
    make_user(app, login="root", email="root@platform.example.org", role="platform")
    root = logged_in(app, "root")
    status = page(root.get("/staff/status/"))
    assert "secret-tenant" not in status and "s…@example.org" in status
    retried = root.post(f"/staff/status/retry/{failed}")
    assert "secret-tenant" not in page(root.get(retried.location))


def test_an_organizations_admin_cannot_open_the_platform(app):
    make_staff(app, "admin")
    assert logged_in(app, "admin").get("/platform/").status_code == 403


# --- the public home page's counters ----------------------------------------------------------------------------


def counters_of(client) -> str:
    return re.search(r'data-test="counters">.*?</ul>', page(client.get("/")), re.S).group(0)


def test_a_single_organization_does_not_advertise_its_count(app, client):
    make_account(app, "100101")
    assert "КСК зарегистрированных" not in counters_of(client)


def test_the_home_page_counts_the_organizations_and_every_ones_requests(app, client):
    tenant = make_user(app, login="tenant", email="tenant@example.org")
    account = make_account(app, "100101", user_id=tenant)
    second = other_organization(app, user_id=tenant)
    other_organization(app, number="300101")
    with app.app_context():
        for organization_id in (default_organization().id, second):
            filed = DispatchRequest(organization_id=organization_id, account_id=account, user_id=tenant,
                                    category="leak", description="…", location="", contact_phone="")  # fmt: skip
            db.session.add(filed)
        db.session.commit()
    shown = counters_of(client)
    assert "КСК зарегистрированных: 3" in shown and "Оформлено обращений: 2" in shown


def test_the_home_page_counters_are_read_once_a_minute(app, client):
    with queries(app) as first:
        client.get("/")
    with queries(app) as again:
        client.get("/")
    assert [sql for sql in first.statements if "dispatch_requests" in sql]
    assert not [sql for sql in again.statements if "dispatch_requests" in sql]


def test_the_invitation_of_an_admin_is_sent_again_and_the_earlier_link_dies(app, platform, mailbox, deliver):
    organization = other_organization(app)
    chair = {"email": "chair@klen.example.org", "first_name": "Вера", "last_name": "Клёнова"}
    platform.post(f"/platform/organizations/{organization}/invite", data=chair)
    first = invitation_link(mailbox, deliver, "chair@klen.example.org")
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "chair@klen.example.org")).id
    response = platform.post(f"/platform/organizations/{organization}/admins/{admin}/resend")
    assert shows(platform.get(response.location), "Новое приглашение отправлено на chair@klen.example.org")
    second = invitation_link(mailbox, deliver, "chair@klen.example.org")
    assert second != first
    assert app.test_client().post(first).location == "/auth/login"  # the earlier link no longer opens the form
    accept(app, second, "chair")
    again = platform.post(f"/platform/organizations/{organization}/admins/{admin}/resend")
    assert shows(platform.get(again.location), messages.TEAM_INVITATION_ACCEPTED)


def test_only_an_admin_of_that_organization_is_invited_again(app, platform):
    organization = other_organization(app)
    dispatcher = make_staff(app, "dispatcher")  # the installation's organization's
    assert platform.post(f"/platform/organizations/{organization}/admins/{dispatcher}/resend").status_code == 404


# --- who speaks where no organization is the reader's ---------------------------------------------------------------


def brand(client, path="/auth/login") -> str:
    return re.search(r'class="navbar-brand[^"]*"[^>]*>([^<]*)<', page(client.get(path))).group(1)


def test_a_single_company_speaks_in_its_own_name(app, client):
    make_account(app, "100101")
    with app.app_context():
        assert brand(client) == default_organization().name


@pytest.mark.parametrize(("configured", "shown"), [("", "Личный кабинет жителя"), ("TOPKSK.KZ", "TOPKSK.KZ")])
def test_a_platform_speaks_in_its_own_name_not_its_first_organizations(make_app, configured, shown, mailbox, deliver):
    app = make_app(PLATFORM_NAME=configured)
    client = app.test_client()
    make_account(app, "100101")
    other_organization(app)
    assert brand(client) == shown  # a visitor: not «УК «Наш дом»», the first organization
    make_user(app, login="newcomer", email="newcomer@example.org", confirmed=False)
    client.post("/registration/resend", data={"login": "newcomer"})
    deliver()
    sender = mailbox.last("newcomer@example.org")["From"]
    assert sender.addresses[0].display_name == shown  # their confirmation comes from the platform too
