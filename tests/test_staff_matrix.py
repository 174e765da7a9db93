"""The role matrix: every staff route × admin, dispatcher, accountant, the platform administrator, tenant and
anonymous, with the answer for each.

The routes come from the app's URL map, so a new staff route is walked without being listed here; who may open it
comes from ALLOWED below, written by hand, so a route whose decorator names the wrong roles fails.
"""

import re
from datetime import date

import pytest
from flask import url_for
from sqlalchemy import select

from kabinet import messages
from kabinet.clock import utcnow
from kabinet.dispatch import photos
from kabinet.extensions import db
from kabinet.models import (
    AccountBinding,
    Announcement,
    BindingRequest,
    BookEntry,
    Building,
    DispatchEvent,
    DispatchRequest,
    Document,
    Executor,
    Feedback,
    OutboxMessage,
    Reading,
    StoredFile,
)
from kabinet.organizations import default_organization
from tests.conftest import PASSWORD, make_user, shows
from tests.factories import make_account, make_meter, make_staff

ROLES = ("admin", "dispatcher", "accountant")
EVERYONE = set(ROLES)
PLATFORM = "platform"  # of no organization: an organization's page not opened to them answers 404, as to a tenant
# Who may open each staff endpoint (by endpoint, or by its blueprint when not listed); the admin may open everything.
ALLOWED = {
    "staff": EVERYONE,
    "staff.audit": {"admin"},
    "staff_team": {"admin"},
    "staff_dispatch": {"admin", "dispatcher"},
    "staff_dispatch.deadlines": {"admin"},  # what the company promises its tenants
    "staff_accounts": {"admin", "accountant"},
    "staff_accounts.debtors": {"admin", "accountant"},  # the dashboard's debt, by account: not the dispatcher's
    "staff_imports": {"admin", "accountant"},
    "staff_tenants": {"admin", "accountant"},
    "staff_content": {"admin", "dispatcher"},
    "staff_documents": {"admin", "accountant"},  # the reports and tariffs come from the accounting
    "staff_organization": {"admin"},
    # The installation's mail, worker and versions: the platform administrator's once there is one, as here (without
    # one, the admin's: tests/test_status.py).
    "staff_status": {PLATFORM},
    "platform": {PLATFORM},  # the organizations and their counts: no organization's admin opens them
    "staff_organization.notices": {"admin"},  # issue 13: which reminders the organization sends, and when
}
# Refused with 404 rather than 403: the installation's page is not there for an admin who does not look after it, as
# it is not for another organization's admin.
NOT_THERE_FOR = {"staff_status": {"admin"}}
# Exceptions within an area: every staff user sets up their own second factor and may post announcements.
ALLOWED_BY_ENDPOINT_PREFIX = {"staff_team.two_factor": EVERYONE | {PLATFORM}, "staff_content.announcement": EVERYONE}
# Public on purpose: the invited person has no password yet (its token is the check; tests/test_staff_team.py).
PUBLIC = {"staff_team.invitation_link", "staff_team.invitation"}


def allowed(endpoint: str) -> set[str]:
    for prefix, roles in ALLOWED_BY_ENDPOINT_PREFIX.items():
        if endpoint.startswith(prefix):
            return roles
    return ALLOWED.get(endpoint) or ALLOWED[endpoint.split(".")[0]]


@pytest.fixture
def ids(app):
    """One row of everything a staff URL can name, all in the installation's organization."""
    tenant = make_user(app, login="tenant", email="tenant@example.org")
    account = make_account(app, "100101", user_id=tenant)
    second = make_account(app, "100102", premises="2", user_id=tenant)  # for the tenants page's own unbind
    meter = make_meter(app, account, readings=[(date(2026, 10, 20), "12.5")])
    staff = {role: make_staff(app, role) for role in ROLES}
    make_user(app, login=PLATFORM, email="platform@example.org", role=PLATFORM)
    clerk = make_staff(app, "dispatcher", login="clerk")  # whom the team pages act on
    with app.app_context():
        organization = default_organization().id
        request = DispatchRequest(organization_id=organization, account_id=account, user_id=tenant, category="leak",
                                  description="Течёт кран", location="кв. 1", contact_phone="+79123456789")  # fmt: skip
        request.events = [DispatchEvent(author="tenant", status="new")]
        request.photos = [photos.stored(photos.Photo(b"\xff\xd8\xff\xd9", "image/jpeg"))]
        rows = {
            "request": request,
            "entry": BookEntry(organization_id=organization, user_id=tenant, kind="complaint", subject="Шум", text="…"),
            "feedback": Feedback(organization_id=organization, name="Анна", contact="a@example.org", message="…"),
            "announcement": Announcement(organization_id=organization, title="Т", body="…", published_on=date.today()),
            "executor": Executor(organization_id=organization, name="Слесарь"),
            "document": Document(organization_id=organization, title="Отчёт", kind="report", period="2026-10",
                                 issued_on=date.today(), file=StoredFile(kind="document", name="отчёт.pdf", size=5,
                                 content_type="application/pdf", sha256="0", data=b"%PDF-")),  # fmt: skip
            "binding_request": BindingRequest(user_id=tenant, building_id=1, premises="2", role="owner"),
            "message": OutboxMessage(recipient="lost@example.org", subject="Т", body_text="…", body_html="…",
                                     attempts=12, failed_at=utcnow()),  # fmt: skip
        }
        db.session.add_all(rows.values())
        db.session.commit()
        found = {name: row.id for name, row in rows.items()}
        found["photo"] = request.photos[0].id
        found["reading"] = db.session.scalar(select(Reading.id))
        found["binding"] = db.session.scalar(select(AccountBinding.id).where(AccountBinding.account_id == account))
        found["building"] = db.session.scalar(select(Building.id))
        found["organization"] = organization
    return {**found, "account": account, "second_account": second, "meter": meter, "tenant": tenant, "clerk": clerk,
            "admin": staff["admin"]}  # fmt: skip


# What an argument names, where its name alone is ambiguous: (blueprint, argument) -> key of the ids fixture.
MEANING = {
    ("staff_team", "user_id"): "clerk",
    ("staff_tenants", "user_id"): "tenant",
    ("staff_tenants", "account_id"): "second_account",
    ("staff_accounts", "request_id"): "binding_request",
    ("platform", "user_id"): "admin",  # an organization's admin, whom the platform invites
}


def url_for_rule(app, rule, ids) -> str:
    """The rule's URL with an existing id for each argument."""
    values = {}
    for argument in rule.arguments:
        key = MEANING.get((rule.endpoint.split(".")[0], argument), argument.removesuffix("_id"))
        if key not in ids:
            pytest.fail(f"{rule.endpoint}: no test value for <{argument}>: add it to the ids fixture")
        values[argument] = ids[key]
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def staff_rules(app):
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if rule.endpoint.split(".")[0] in ALLOWED and rule.endpoint not in PUBLIC
        ),
        # Pages first, then actions, and last the actions that remove what other URLs name.
        key=lambda rule: ("GET" not in rule.methods, rule.rule.endswith(("/delete", "/unbind", "/block", "/revoke")),
                          rule.rule),  # fmt: skip
    )


def call(client, rule, url):
    """GET the page, or POST an empty form to a route that only takes POST."""
    if "GET" in rule.methods:
        return client.get(url)
    return client.post(url, data={})


@pytest.mark.parametrize("who", [*ROLES, PLATFORM, "tenant", None])
def test_every_staff_route_answers_each_role_as_the_matrix_says(app, ids, who):
    """Allowed: the page or the action's answer (never 403/404); other staff: 403; the platform administrator and a
    tenant: 404; anonymous: login."""
    rules = staff_rules(app)
    assert len(rules) > 30, "the staff routes were not found"
    client = app.test_client()
    if who is not None:
        assert client.post("/auth/login", data={"login": who, "password": PASSWORD}).status_code == 302
    wrong = []
    for rule in rules:
        url = url_for_rule(app, rule, ids)
        status = call(client, rule, url).status_code
        if who is None:
            expected_ok = status == 302
        elif who == "tenant":
            expected_ok = status == 404
        elif who in allowed(rule.endpoint):
            expected_ok = status not in (401, 403, 404, 405, 500)
        else:
            hidden = who == PLATFORM or who in NOT_THERE_FOR.get(rule.endpoint.split(".")[0], ())
            expected_ok = status == (404 if hidden else 403)
        if not expected_ok:
            wrong.append(f"{who or 'anonymous'} {sorted(rule.methods - {'HEAD', 'OPTIONS'})} {url}: {status}")
    assert not wrong, "\n".join(wrong)


def test_an_anonymous_visitor_is_sent_to_the_login_page(app, ids):
    client = app.test_client()
    for rule in staff_rules(app):
        response = call(client, rule, url_for_rule(app, rule, ids))
        assert response.status_code == 302 and response.location.startswith("/auth/login"), rule.endpoint


# The site's own pages, everyone's: staff log in, keep a profile, read the contacts and the agreement there too.
EVERYONES = {"pages", "auth", "registration", "social", "recovery", "profile", "contacts", "telegram", "notifications",
             "static", "bootstrap"}  # fmt: skip


def tenant_rules(app):
    """Every route of the URL map that is neither the back office's (ALLOWED) nor everyone's: a tenant's own."""
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.split(".")[0] not in {*ALLOWED, *EVERYONES}]


@pytest.mark.parametrize("who", [*ROLES, PLATFORM])
def test_staff_opening_a_tenants_page_are_sent_to_their_back_office_and_told_why(app, ids, who):
    """Staff have no accounts: instead of an empty cabinet (or a request filed by nobody), their landing page."""
    rules = tenant_rules(app)
    assert {"cabinet.home", "balance.show", "readings.show", "dispatch.new"} <= {rule.endpoint for rule in rules}
    client = app.test_client()
    assert client.post("/auth/login", data={"login": who, "password": PASSWORD}).status_code == 302
    landing = "/platform/" if who == PLATFORM else "/staff/"
    wrong = []
    for rule in rules:
        url = url_for_rule(app, rule, {**ids, "month": "2026-10"})
        response = call(client, rule, url)
        if (response.status_code, response.location) != (302, landing):
            wrong.append(f"{who} {sorted(rule.methods - {'HEAD', 'OPTIONS'})} {url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    told = client.get("/cabinet/", follow_redirects=True)
    assert told.request.path == landing and shows(told, messages.STAFF_ON_TENANT_PAGE)
    assert client.get("/profile/").status_code == 200  # their own profile stays theirs


def test_an_anonymous_visitor_on_a_tenants_page_is_sent_to_the_login_page_and_back(app, ids):
    client = app.test_client()
    wrong = []
    for rule in tenant_rules(app):
        url = url_for_rule(app, rule, {**ids, "month": "2026-10"})
        response = call(client, rule, url)
        if response.status_code != 302 or not response.location.startswith("/auth/login?next="):
            wrong.append(f"{sorted(rule.methods - {'HEAD', 'OPTIONS'})} {url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_a_tenant_still_opens_the_tenants_pages(app, ids):
    client = app.test_client()
    assert client.post("/auth/login", data={"login": "tenant", "password": PASSWORD}).status_code == 302
    for url in ("/cabinet/", f"/balance/{ids['account']}", f"/readings/{ids['account']}"):
        response = client.get(url)
        assert response.status_code == 200 and not shows(response, messages.STAFF_ON_TENANT_PAGE), url


def test_the_staff_menu_marks_the_one_section_a_page_belongs_to(app, ids):
    client = app.test_client()
    client.post("/auth/login", data={"login": "dispatcher", "password": PASSWORD})
    for url, section in [
        ("/staff/", "Обзор"),
        ("/staff/dispatch/", "Заявки"),
        (f"/staff/dispatch/{ids['request']}", "Заявки"),
        ("/staff/content/book", "Книга жалоб"),
        (f"/staff/content/book/{ids['entry']}", "Книга жалоб"),
        ("/staff/content/feedback", "Обратная связь"),
        (f"/staff/content/announcements/{ids['announcement']}", "Объявления"),
        ("/staff/team/2fa", "Моя двухфакторная аутентификация"),
    ]:
        marked = re.findall(r'aria-current="page">([^<]+)</a>', client.get(url).get_data(as_text=True))
        assert marked == [section], url
    menu = client.get("/staff/").get_data(as_text=True)
    assert "Сотрудники" not in menu and "Журнал" not in menu  # the admin's sections are not offered to a dispatcher
