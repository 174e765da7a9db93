"""Strict separation of organizations: the staff of one never see or change another's rows.

Organization A (the installation's) holds one row of everything a staff URL can name (the role matrix's `ids`);
organization B has its own staff. Every staff route of the URL map, walked by each of B's roles with A's ids, answers
404 (403 where the role may not open the page at all, which names nothing); B's lists, searches and exports show
none of A's rows.
"""

import pytest

from kabinet.extensions import db
from kabinet.models import Organization
from tests import test_staff_matrix as matrix
from tests.conftest import PASSWORD, make_user, page
from tests.factories import make_account, other_organization
from tests.test_staff_matrix import NOT_THERE_FOR, ROLES, allowed, call, staff_rules, url_for_rule

# What of A's would betray a leak (no page's help text holds them): a tenant's e-mail, surname and phone, an
# account's number, owner and house, a request's words, an executor.
A_ROWS = ("secret-tenant@a.example.org", "Засекреченный", "+79990001122", "987654", "Засекречено Аркадий",
          "ул. Тайная", "Течёт кран", "Слесарь")  # fmt: skip


ids = matrix.ids  # the role matrix's rows, all in A: one of everything a URL names, its staff, a tenant, the platform's


@pytest.fixture
def b_staff(app, ids):
    """A's distinctive tenant and account; organization B («ТСЖ «Клён»») with an admin, a dispatcher and an
    accountant, logins b-<role>."""
    secret = make_user(app, login="secret", email="secret-tenant@a.example.org", last_name="Засекреченный",
                       phone="+79990001122")  # fmt: skip
    make_account(app, "987654", address="г. Иркутск, ул. Тайная, д. 9", owner_name="Засекречено Аркадий",
                 user_id=secret)  # fmt: skip
    organization = other_organization(app)
    for role in ROLES:
        make_user(app, login=f"b-{role}", email=f"b-{role}@klen.example.org", role=role, organization_id=organization,
                  first_name="Борис", last_name="Кленов")  # fmt: skip
    return organization


def logged_in_as(app, login):
    client = app.test_client()
    assert client.post("/auth/login", data={"login": login, "password": PASSWORD}).status_code == 302
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_staff_route_with_another_organizations_ids_answers_404(app, ids, b_staff, role):
    client = logged_in_as(app, f"b-{role}")
    named = [rule for rule in staff_rules(app) if rule.arguments and rule.endpoint.split(".")[0] != "platform"]
    assert len(named) > 30, "the staff routes that name a row were not found"
    wrong = []
    for rule in named:
        url = url_for_rule(app, rule, ids)
        status = call(client, rule, url).status_code
        hidden = role in allowed(rule.endpoint) or role in NOT_THERE_FOR.get(rule.endpoint.split(".")[0], ())
        expected = 404 if hidden else 403
        if status != expected:
            wrong.append(f"b-{role} {sorted(rule.methods - {'HEAD', 'OPTIONS'})} {url}: {status}, not {expected}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_the_pages_of_another_organizations_staff_show_none_of_its_rows(app, ids, b_staff, role):
    client = logged_in_as(app, f"b-{role}")
    pages = [rule for rule in staff_rules(app) if not rule.arguments and "GET" in rule.methods]
    assert pages, "the staff pages were not found"
    for rule in pages:
        response = client.get(rule.rule)
        if response.status_code == 200 and response.mimetype == "text/html":
            leaked = [row for row in A_ROWS if row in page(response)]
            assert not leaked, f"{rule.rule} shows {leaked}"


@pytest.mark.parametrize(
    ("url", "who"),
    [
        ("/staff/accounts/?q=98765", "b-accountant"),
        ("/staff/accounts/?q=Засекреч", "b-accountant"),
        ("/staff/accounts/?q=Тайная", "b-accountant"),
        ("/staff/tenants/?q=secret-tenant", "b-accountant"),
        ("/staff/tenants/?q=Засекреч", "b-accountant"),
        ("/staff/dispatch/?status=all", "b-dispatcher"),
        ("/staff/content/book?kind=complaint", "b-dispatcher"),
        ("/staff/audit", "b-admin"),
    ],
)
def test_searches_of_another_organizations_staff_find_none_of_its_rows(app, ids, b_staff, url, who):
    response = logged_in_as(app, who).get(url)
    assert response.status_code == 200
    assert not [row for row in A_ROWS if row in page(response)]


@pytest.mark.parametrize("file_format", ["csv-utf8", "csv-cp1251"])
def test_the_readings_export_of_another_organization_holds_none_of_its_meters(app, ids, b_staff, file_format):
    client = logged_in_as(app, "b-accountant")
    response = client.get(f"/staff/imports/readings-export?month=2026-10&format={file_format}")
    assert response.status_code == 200
    text = response.data.decode("utf-8-sig" if file_format == "csv-utf8" else "cp1251")
    assert "100101" not in text and "CW-1" not in text  # A's account and its meter
    # The same export by A's accountant does hold it: the check above looks at the right file.
    mine = logged_in_as(app, "accountant").get(f"/staff/imports/readings-export?month=2026-10&format={file_format}")
    assert "CW-1" in mine.data.decode("utf-8-sig" if file_format == "csv-utf8" else "cp1251")


def test_the_first_organizations_audit_log_keeps_none_of_the_platform_administrators_events(app, ids, b_staff):
    """The platform administrator acts for every organization: its events (B's admin invited) are in nobody's log."""
    client = logged_in_as(app, "platform")  # the matrix's `ids` made them
    with app.app_context():
        b = db.session.get(Organization, b_staff).id
    second_admin = {"email": "second-admin@klen.example.org", "first_name": "Вера", "last_name": "Клёнова"}
    assert client.post(f"/platform/organizations/{b}/invite", data=second_admin).status_code == 302
    assert "second-admin@klen.example.org" not in page(logged_in_as(app, "admin").get("/staff/audit"))
