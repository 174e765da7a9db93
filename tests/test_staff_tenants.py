"""The tenants' pages of the back office: search, a tenant's page, block and unblock, resend, unbind; who may."""

import pytest
from sqlalchemy import select

from kabinet import messages
from kabinet.extensions import db
from kabinet.models import AccountBinding, BindingRequest, Building, User
from kabinet.organizations import default_organization
from kabinet.staff.tenants import services
from tests.conftest import PASSWORD, audited, links_in, logged_in, make_user, page, queries, shows
from tests.factories import make_account, make_staff, other_organization


@pytest.fixture
def accountant(app):
    make_staff(app, "accountant")
    return logged_in(app, "accountant")


@pytest.fixture
def tenant(app, user):
    """ivan, bound to the organization's account 100101."""
    make_account(app, "100101", user_id=user)
    return user


# --- who may ---------------------------------------------------------------------------------------------------

ROUTES = [
    ("get", "/staff/tenants/"),
    ("get", "/staff/tenants/{id}"),
    ("get", "/staff/tenants/{id}/block"),
    ("post", "/staff/tenants/{id}/block"),
    ("post", "/staff/tenants/{id}/unblock"),
    ("post", "/staff/tenants/{id}/resend"),
    ("post", "/staff/tenants/{id}/accounts/{account}/unbind"),
]


@pytest.mark.parametrize(("method", "url"), ROUTES)
@pytest.mark.parametrize(("role", "status"), [("admin", None), ("accountant", None), ("dispatcher", 403)])
def test_staff_roles(app, tenant, method, url, role, status):
    make_staff(app, role)
    client = logged_in(app, role)
    with app.app_context():
        account = db.session.scalar(select(AccountBinding.account_id))
    response = getattr(client, method)(url.format(id=tenant, account=account))
    if status:
        assert response.status_code == status
    else:
        assert response.status_code in (200, 302)


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_a_tenant_gets_404_and_anonymous_the_login(app, client, tenant, method, url):
    url = url.format(id=tenant, account=1)
    response = getattr(client, method)(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    make_user(app, login="petr", email="petr@example.org")
    other = logged_in(app, "petr")
    assert getattr(other, method)(url).status_code == 404


@pytest.mark.parametrize(("method", "url"), ROUTES[1:])
def test_another_organizations_tenant_is_404(app, accountant, method, url):
    stranger = make_user(app, login="klen", email="klen@example.org")
    other_organization(app, user_id=stranger)
    with app.app_context():
        account = db.session.scalar(select(AccountBinding.account_id))
    assert getattr(accountant, method)(url.format(id=stranger, account=account)).status_code == 404


def test_staff_users_are_not_tenants(app, accountant):
    admin = make_staff(app, "admin")
    assert accountant.get(f"/staff/tenants/{admin}").status_code == 404
    assert "admin@staff" not in page(accountant.get("/staff/tenants/"))


# --- search ----------------------------------------------------------------------------------------------------


def test_search_finds_by_login_email_name_and_phone(app, accountant, tenant):
    make_user(app, login="maria", email="maria@mail.ru", first_name="Мария", last_name="Сидорова", phone="+79990001122")
    stranger = make_user(app, login="klen", email="klen@example.org", last_name="Кленов")
    other_organization(app, user_id=stranger)
    everyone = page(accountant.get("/staff/tenants/"))
    assert "ivan@example.org" in everyone and "maria@mail.ru" in everyone  # maria has no account yet: new
    assert "klen@example.org" not in everyone  # bound only to another organization
    for query in ("ivan", "IVAN@example", "Петров", "петров", "912 345", "Петров Иван"):
        found = page(accountant.get("/staff/tenants/", query_string={"q": query}))
        assert "ivan@example.org" in found and "maria@mail.ru" not in found, query
    found = page(accountant.get("/staff/tenants/", query_string={"q": "сидорова"}))
    assert "maria@mail.ru" in found and "ivan@example.org" not in found
    assert shows(accountant.get("/staff/tenants/", query_string={"q": "Кленов"}), "Никого не нашлось.")
    assert accountant.get("/staff/tenants/", query_string={"q": "x" * 101}).status_code == 200  # too long: a message


def test_search_treats_wildcards_as_letters(app, accountant, tenant):
    assert "ivan@example.org" not in page(accountant.get("/staff/tenants/", query_string={"q": "iv_n"}))
    assert "ivan@example.org" not in page(accountant.get("/staff/tenants/", query_string={"q": "%"}))


def test_a_pending_request_makes_a_tenant_of_the_organization(app, accountant):
    asking = make_user(app, login="asking", email="asking@example.org")
    stranger = make_user(app, login="klen", email="klen@example.org")
    other_organization(app)
    with app.app_context():
        here = Building(organization_id=default_organization().id, address="г. Иркутск, ул. Ленина, д. 7")
        there = db.session.scalar(select(Building).where(Building.organization_id != here.organization_id))
        db.session.add_all([here, BindingRequest(user_id=stranger, building=there, premises="7", role="owner")])
        db.session.add(BindingRequest(user_id=asking, building=here, premises="3", role="owner"))
        db.session.commit()
    listed = page(accountant.get("/staff/tenants/"))
    assert "asking@example.org" in listed and "klen@example.org" not in listed
    shown = page(accountant.get(f"/staff/tenants/{asking}"))
    assert "ул. Ленина, д. 7" in shown


def test_search_is_paginated_in_bounded_queries(app, accountant):
    for number in range(30):
        make_user(app, login=f"user{number:02}", email=f"user{number:02}@example.org")
    with queries(app) as counted:
        first = page(accountant.get("/staff/tenants/"))
    assert "Страница 1 из 2" in first and counted.count < 12
    assert "Страница 2 из 2" in page(accountant.get("/staff/tenants/", query_string={"page": 2}))


# --- a tenant's page -------------------------------------------------------------------------------------------


def test_the_page_shows_details_accounts_sessions_and_activity(app, accountant, tenant):
    logged_in(app, "ivan")
    app.test_client().post("/auth/login", data={"login": "ivan", "password": "wrong-password"})
    other_organization(app, number="200101", user_id=tenant)
    response = accountant.get(f"/staff/tenants/{tenant}")
    shown = page(response)
    assert "ivan@example.org" in shown and "+7 912 345-67-89" in shown
    assert "100101" in shown and "200101" not in shown  # another organization's account stays hidden
    assert "подтверждена" in shown and "активен" in shown
    assert "Вход" in shown and "Неудачный вход" in shown


def test_text_written_by_tenants_is_escaped(app, accountant):
    evil = make_user(app, login="evil", email="evil@example.org", first_name="<b>Злой</b>")
    shown = page(accountant.get(f"/staff/tenants/{evil}"))
    assert "<b>Злой</b>" not in shown and "&lt;b&gt;Злой&lt;/b&gt;" in shown


def test_block_ends_the_sessions_and_refuses_the_login(app, accountant, tenant):
    ivan = logged_in(app, "ivan")
    assert ivan.get("/cabinet/").status_code == 200
    response = accountant.post(f"/staff/tenants/{tenant}/block", follow_redirects=True)
    assert shows(response, messages.TENANT_BLOCKED) and "Заблокирован" in page(response)
    assert ivan.get("/cabinet/").status_code == 302  # the session stopped working
    refused = app.test_client().post("/auth/login", data={"login": "ivan", "password": PASSWORD})
    assert shows(refused, messages.ACCOUNT_BLOCKED)
    [row] = audited(app, "tenant.block")
    assert row.actor == "accountant" and row.target == f"users:{tenant}"

    response = accountant.post(f"/staff/tenants/{tenant}/unblock", follow_redirects=True)
    assert shows(response, messages.TENANT_UNBLOCKED)
    assert len(audited(app, "tenant.unblock")) == 1
    logged_in(app, "ivan")  # may log in again


def test_blocking_is_asked_to_be_confirmed_first(app, accountant, tenant):
    shown = page(accountant.get(f"/staff/tenants/{tenant}"))
    assert f'href="/staff/tenants/{tenant}/block">Заблокировать</a>' in shown  # a link to the question

    question = page(accountant.get(f"/staff/tenants/{tenant}/block"))

    assert "Заблокировать жителя Иван Петров?" in question and "все его сеансы завершатся" in question
    assert f'<form method="post" action="/staff/tenants/{tenant}/block"' in question
    assert f'href="/staff/tenants/{tenant}">Отмена</a>' in question
    assert logged_in(app, "ivan").get("/cabinet/").status_code == 200  # not blocked by the question
    assert audited(app, "tenant.block") == []


def test_resend_e_mails_a_new_confirmation(app, accountant, mailbox, deliver):
    waiting = make_user(app, login="waiting", email="waiting@example.org", confirmed=False)
    shown = page(accountant.get(f"/staff/tenants/{waiting}"))
    assert "не подтверждена" in shown and "Отправить письмо для подтверждения ещё раз" in shown
    response = accountant.post(f"/staff/tenants/{waiting}/resend", follow_redirects=True)
    assert shows(response, str(messages.TENANT_CONFIRMATION_SENT.text) % {"email": "waiting@example.org"})
    deliver()
    link = next(link for link in links_in(mailbox.last("waiting@example.org")) if "/confirm/" in link)
    app.test_client().get(link[link.index("/", 8) :])
    with app.app_context():
        assert db.session.get(User, waiting).is_confirmed
    assert len(audited(app, "tenant.resend")) == 1


def test_resend_to_a_confirmed_tenant_sends_nothing(app, accountant, tenant, mailbox, deliver):
    response = accountant.post(f"/staff/tenants/{tenant}/resend", follow_redirects=True)
    assert shows(response, messages.TENANT_ALREADY_CONFIRMED)
    deliver()
    assert not mailbox.to("ivan@example.org") and not audited(app, "tenant.resend")


def test_unbind_takes_the_account_out_of_the_cabinet(app, accountant, tenant):
    with app.app_context():
        account = db.session.scalar(select(AccountBinding.account_id))
    response = accountant.post(f"/staff/tenants/{tenant}/accounts/{account}/unbind", follow_redirects=True)
    assert shows(response, messages.TENANT_UNBOUND) and "Лицевых счетов организации не привязано" in page(response)
    with app.app_context():
        assert db.session.scalar(select(AccountBinding)) is None
    [row] = audited(app, "tenant.unbind")
    assert "100101" in row.details
    again = accountant.post(f"/staff/tenants/{tenant}/accounts/{account}/unbind", follow_redirects=True)
    assert shows(again, messages.TENANT_UNBOUND) and len(audited(app, "tenant.unbind")) == 1  # a second click


def test_unbind_of_another_organizations_account_is_404(app, accountant, tenant):
    other_organization(app, number="200101", user_id=tenant)
    with app.app_context():
        theirs = db.session.scalar(select(AccountBinding.account_id).order_by(AccountBinding.id.desc()))
    assert accountant.post(f"/staff/tenants/{tenant}/accounts/{theirs}/unbind").status_code == 404
    with app.app_context():
        assert len(db.session.scalars(select(AccountBinding)).all()) == 2


def test_services_scope_without_a_request(app, tenant):
    stranger = make_user(app, login="klen", email="klen@example.org")
    other_organization(app, user_id=stranger)
    with app.app_context():
        organization = default_organization()
        assert services.tenant_of(organization, tenant).login == "ivan"
        assert services.tenant_of(organization, stranger) is None
