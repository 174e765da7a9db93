"""The cabinet home (a card per account), the cabinet's menu, and the counters of the public home page."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from kabinet.balance.ledger import month_of
from kabinet.cabinet import services
from kabinet.clock import local_today
from kabinet.extensions import db
from kabinet.models import (
    Account,
    AccountBinding,
    Announcement,
    Building,
    Charge,
    DispatchRequest,
    Meter,
    Payment,
    Reading,
)
from kabinet.organizations import default_organization
from tests.conftest import make_user, page, queries
from tests.factories import add_history, make_account, make_meter

MENU = ["Кабинет", "Баланс", "Показания", "Квитанции", "Заявки", "Книга жалоб", "Документы", "Контакты"]


@pytest.fixture
def today(app):
    with app.test_request_context():
        return local_today()


def text(html: str) -> str:
    return html.replace("\xa0", " ").replace("\u202f", " ")


def cards(html: str) -> list[str]:
    """The account cards of the page, in order."""
    return re.findall(r'<article class="card h-100" data-test="account".*?</article>', text(html), re.S)


def add(app, *rows):
    with app.app_context():
        db.session.add_all(rows)
        db.session.commit()


def request_for(app, account_id, status="new", **fields) -> DispatchRequest:
    with app.app_context():
        organization_id = default_organization().id
    return DispatchRequest(organization_id=organization_id, account_id=account_id, category="leak",
                           description="Течёт кран", location="кв. 1", contact_phone="+79123456789", status=status,
                           **fields)  # fmt: skip


def announce(app, title, published_on, until=None, buildings=(), body="Текст объявления.") -> None:
    with app.app_context():
        organization = default_organization()
        chosen = [db.session.scalar(db.select(Building).filter_by(address=address)) for address in buildings]
        db.session.add(Announcement(organization_id=organization.id, title=title, body=body, published_on=published_on,
                                    until=until, buildings=chosen))  # fmt: skip
        db.session.commit()


# --- access -----------------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    response = client.get("/cabinet/")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_without_accounts_the_address_form_and_the_wizard_stay(tenant):
    html = page(tenant.get("/cabinet/"))
    assert 'data-test="address-form"' in html and "Создать" in html and 'href="/accounts/bind"' in html
    assert 'data-test="account"' not in html


def test_another_tenants_accounts_and_figures_are_not_shown(app, tenant, user):
    mine = make_account(app, "100101", user_id=user)
    add_history(app, mine, date(2025, 1, 1), 1, payment="1881.75")
    other = make_user(app, login="olga", email="olga@example.org")
    theirs = make_account(app, "100777", premises="7", user_id=other)
    add_history(app, theirs, date(2025, 1, 1), 1, payment=None)
    add(app, request_for(app, theirs))
    html = page(tenant.get("/cabinet/"))
    assert len(cards(html)) == 1 and "100777" not in html
    assert "Задолженность" not in html and "Заявок в работе" not in html
    assert f"/balance/{theirs}" not in html


# --- the card of an account -------------------------------------------------------------------------------------


def test_a_debt_is_red_with_the_last_payment_and_the_latest_charges(app, tenant, user):
    account = make_account(app, "100101", user_id=user)
    add_history(app, account, date(2025, 1, 1), 3)  # charged 1881.75 a month, 1000.00 paid on the 10th of the next
    (card,) = cards(page(tenant.get("/cabinet/")))
    assert re.search(r'class="text-danger[^"]*" data-test="owed">Задолженность: 2 645,25 ₽', card)
    assert re.search(r'data-test="last-payment">10\.04\.2025, 1 000,00 ₽<', card)
    assert "Начислено за март 2025" in card and re.search(r'data-test="charges">1 881,75 ₽<', card)
    assert "Перерасчёт" not in card  # none this month


def test_an_overpayment_is_green(app, tenant, user):
    account = make_account(app, "100101", user_id=user)
    add_history(app, account, date(2025, 1, 1), 1, payment="2000.00")
    (card,) = cards(page(tenant.get("/cabinet/")))
    assert re.search(r'class="text-success[^"]*" data-test="owed">Переплата: 118,25 ₽', card)


def test_a_new_account_owes_nothing_and_has_no_payments(app, tenant, user):
    make_account(app, "100101", user_id=user)
    (card,) = cards(page(tenant.get("/cabinet/")))
    assert "Задолженности нет" in card and "Оплат ещё не было" in card and 'data-test="charges"' not in card


def test_the_latest_month_shows_its_recalculation_apart_and_the_newest_payment_wins(app, tenant, user):
    account = make_account(app, "100101", user_id=user)
    add_history(app, account, date(2025, 1, 1), 2, services=[("Отопление", "1", "1", "Гкал", "2000.00")])
    add(app, Payment(account_id=account, paid_on=date(2025, 3, 10), amount=Decimal("77.00"), source="Касса"))
    with app.app_context():
        charge = db.session.scalar(db.select(Charge).filter_by(month=date(2025, 2, 1)))
        charge.recalculation = Decimal("-150.00")
        db.session.commit()
    (card,) = cards(page(tenant.get("/cabinet/")))
    # The same words as the balance page and the receipt: charged is the sum of amounts, the recalculation apart.
    assert "Начислено за февраль 2025" in card and re.search(r'data-test="charges">2 000,00 ₽<', card)
    assert "Перерасчёт" in card and re.search(r'data-test="recalculated">-150,00 ₽<', card)
    assert "1 850,00 ₽" not in card
    assert re.search(r'data-test="last-payment">10\.03\.2025, 77,00 ₽<', card)
    balance = text(page(tenant.get(f"/balance/{account}")))
    assert "2 000,00 ₽" in balance and "-150,00 ₽" in balance


def test_meters_without_a_reading_this_month_are_counted_with_a_link(app, tenant, user, today):
    account = make_account(app, "100101", user_id=user)
    this_month, last_month = month_of(today), month_of(month_of(today) - timedelta(days=1))
    make_meter(app, account, "CW-1", readings=[(last_month, "10")])
    make_meter(app, account, "HW-1", kind="hot_water", readings=[(last_month, "5")])
    read = make_meter(app, account, "EL-1", kind="electricity", readings=[(last_month, "100")])
    add(app, Reading(meter_id=read, taken_on=this_month, value=Decimal("150"), source="tenant"))
    retired = make_meter(app, account, "CW-OLD")
    with app.app_context():
        db.session.get(Meter, retired).is_active = False
        db.session.commit()
    (card,) = cards(page(tenant.get("/cabinet/")))
    assert "Счётчиков без показаний в этом месяце: 2." in card
    assert f'href="/readings/{account}">Передать показания</a></p>' in card


def test_all_readings_submitted_shows_no_reminder(app, tenant, user, today):
    account = make_account(app, "100101", user_id=user)
    make_meter(app, account, "CW-1", readings=[(today, "10")])
    (card,) = cards(page(tenant.get("/cabinet/")))
    assert 'data-test="meters-due"' not in card


def test_open_requests_are_counted_with_a_link(app, tenant, user):
    account = make_account(app, "100101", user_id=user)
    add(app, request_for(app, account, "new"), request_for(app, account, "in_progress"),
        *(request_for(app, account, status) for status in ("done", "rejected", "cancelled")))  # fmt: skip
    (card,) = cards(page(tenant.get("/cabinet/")))
    assert "Заявок в работе: 2." in card and 'href="/dispatch/">Мои заявки</a>' in card


def test_the_seven_services_of_the_account(app, tenant, user):
    account = make_account(app, "100101", user_id=user)
    with app.app_context():
        organization = db.session.get(Account, account).organization_id
    (card,) = cards(page(tenant.get("/cabinet/")))
    links = re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', card.split('data-test="services"')[1])
    assert links == [
        (f"/balance/{account}", "Посмотреть баланс лицевого счета"),
        (f"/readings/{account}", "Передать показания"),
        (f"/receipts/{account}", "Распечатать квитанцию"),
        (f"/dispatch/new?account_id={account}", "Отправить заявку в аварийно-диспетчерскую службу"),
        (f"/book/new?organization_id={organization}", "Написать в книгу жалоб и предложений"),
        ("/contacts/", "Контакты"),
        (f"/contacts/feedback?organization_id={organization}", "Обратная связь"),
    ]


def test_two_accounts_two_cards_each_with_its_own_figures(app, tenant, user):
    flat = make_account(app, "100101", user_id=user)
    parking = make_account(app, "100102", premises="П-1", user_id=user)
    add_history(app, flat, date(2025, 1, 1), 1, payment=None)
    add_history(
        app, parking, date(2025, 1, 1), 1, payment="500.00", services=[("Машино-место", "20", "15", "м²", "300.00")]
    )
    first, second = cards(page(tenant.get("/cabinet/")))
    assert "№ 100101" in first and "Задолженность: 1 881,75 ₽" in first and f"/balance/{flat}" in first
    assert "№ 100102" in second and "Переплата: 200,00 ₽" in second and f"/balance/{parking}" in second
    assert f"/balance/{parking}" not in first


# --- announcements ----------------------------------------------------------------------------------------------


def news(html: str) -> list[str]:
    """The titles of the home's announcements, in order."""
    return re.findall(r'data-test="announcement"><span class="fw-semibold">([^<]+)<', html)


def test_the_newest_three_current_announcements_of_the_house(app, tenant, user, today):
    make_account(app, "100101", user_id=user, address="г. Иркутск, ул. Ленина, д. 5")
    make_account(app, "100201", premises="9", address="г. Иркутск, ул. Карла Маркса, д. 12")
    day = timedelta(days=1)
    announce(app, "Старое", today - 30 * day)
    announce(app, "Отключение воды", today - 3 * day, until=today, buildings=["г. Иркутск, ул. Ленина, д. 5"])
    announce(app, "Собрание", today - 2 * day)
    announce(app, "Уборка двора", today - day, body="Субботник " * 40)
    announce(app, "Лифт в другом доме", today, buildings=["г. Иркутск, ул. Карла Маркса, д. 12"])
    announce(app, "Прошедшее", today - 10 * day, until=today - day)
    announce(app, "Будущее", today + day)
    html = text(page(tenant.get("/cabinet/")))
    assert news(html) == ["Уборка двора", "Собрание", "Отключение воды"]
    section = html[html.index('data-test="announcements"') :]
    assert (today - day).strftime("%d.%m.%Y") in section
    assert "Субботник Субботник" in section and "Субботник " * 40 not in section and "…" in section


def test_announcements_are_shown_once_for_all_the_accounts_outside_their_cards(app, tenant, user, today):
    for n in range(3):
        make_account(app, str(100101 + n), premises=str(n + 1), user_id=user)
    announce(app, "Собрание", today)
    html = page(tenant.get("/cabinet/"))
    assert len(cards(html)) == 3 and news(html) == ["Собрание"]
    assert all("Собрание" not in card for card in cards(html))
    assert '<h2 class="h5" id="announcements-title">Объявления</h2>' in html


def test_announcements_are_shown_escaped(app, tenant, user, today):
    make_account(app, "100101", user_id=user)
    announce(app, "<b>Важно</b>", today, body="<script>alert(1)</script>")
    html = page(tenant.get("/cabinet/"))
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "&lt;b&gt;Важно&lt;/b&gt;" in html


def test_the_houses_of_all_the_accounts_share_one_list_newest_first(app, tenant, user, today):
    make_account(app, "100101", user_id=user, address="д. 5")
    make_account(app, "100201", user_id=user, address="д. 12")
    neighbour = make_user(app, "sosed", "sosed@example.org")
    make_account(app, "100301", address="д. 7", user_id=neighbour)
    newcomer = make_user(app, "novyi", "novyi@example.org")
    announce(app, "Всем", today - timedelta(days=10))
    announce(app, "Д12", today - timedelta(days=1), buildings=["д. 12"])
    announce(app, "Д7", today, buildings=["д. 7"])
    announce(app, "Д5 и Д12", today - timedelta(days=2), buildings=["д. 5", "д. 12"])
    with app.test_request_context():
        assert [a.title for a in services.home(user, today).announcements] == ["Д12", "Д5 и Д12", "Всем"]
        assert [a.title for a in services.home(neighbour, today).announcements] == ["Д7", "Всем"]
        assert services.home(newcomer, today).announcements == []
    assert news(page(tenant.get("/cabinet/"))) == ["Д12", "Д5 и Д12", "Всем"]  # one announcement for two houses: once


# --- queries ----------------------------------------------------------------------------------------------------


def fill(app, user, accounts: int, months: int, today) -> None:
    for n in range(accounts):
        account = make_account(app, str(100101 + n), premises=str(n + 1), user_id=user)
        add_history(app, account, date(2025, 1, 1) if months == 1 else date(2015, 1, 1), months)
        make_meter(app, account, f"CW-{n}", readings=[(date(2015, 1, 1), "1"), (date(2024, 12, 1), "500")])
        add(app, request_for(app, account))
    announce(app, "Собрание", today)


@pytest.mark.parametrize(("accounts", "months"), [(1, 1), (1, 120), (10, 1), (10, 120)])
def test_the_home_runs_the_same_queries_for_any_history_and_up_to_ten_accounts(app, client, auth, user, today,
                                                                                accounts, months):  # fmt: skip
    fill(app, user, accounts, months, today)
    auth.login()
    with queries(app) as counted:
        response = client.get("/cabinet/")
    assert response.status_code == 200 and len(cards(page(response))) == accounts
    # the session with its user and the organization the header names; the accounts with their houses and
    # organizations, and the binding requests; every figure of the cards with the announcements and the newest document
    assert counted.count == 3, counted.statements


# --- the menu ---------------------------------------------------------------------------------------------------


def test_the_menu_of_a_logged_in_tenant_marks_where_they_are(app, tenant, user):
    account = make_account(app, "100101", user_id=user)
    html = page(tenant.get(f"/balance/{account}"))
    menu = re.search(r'data-test="cabinet-menu">.*?</nav>', html, re.S).group(0)
    assert re.findall(r'href="([^"]+)"', menu) == ["/cabinet/", "/balance/", "/readings/", "/receipts/", "/dispatch/",
                                                   "/book/", "/documents/", "/contacts/"]  # fmt: skip
    assert [label.strip() for label in re.findall(r">([^<>]+)</a>", menu)] == MENU
    assert re.search(r'active" href="/balance/"\s+aria-current="page">Баланс', menu)
    assert "Регистрация" not in html


def test_the_menu_is_in_each_requests_language_with_its_own_section_marked(app, tenant, user):
    account = make_account(app, "100101", user_id=user)
    for _ in range(2):  # the second round is drawn from the menus kept by the first
        tenant.set_cookie("lang", "en")
        english = page(tenant.get(f"/readings/{account}"))
        tenant.set_cookie("lang", "ru")
        russian = page(tenant.get(f"/balance/{account}"))
        assert re.search(r'active" href="/readings/"\s+aria-current="page">Meter readings', english)
        assert ">Баланс<" not in english.split('data-test="cabinet-menu"')[1].split("</nav>")[0]
        assert re.search(r'active" href="/balance/"\s+aria-current="page">Баланс', russian)
        assert "Meter readings" not in russian


def test_anonymous_visitors_keep_registration_and_login(client):
    html = page(client.get("/"))
    assert 'data-test="cabinet-menu"' not in html
    assert ">Регистрация</a>" in html and ">Авторизация</a>" in html


# --- the public home page's counters ----------------------------------------------------------------------------


def test_the_public_counters_of_requests_houses_and_accounts(app, client, user):
    bound = [make_account(app, str(100101 + n), premises=str(n + 1), user_id=user) for n in range(5)]
    make_account(app, "100201", premises="1", address="г. Иркутск, ул. Карла Маркса, д. 12")  # nobody's yet
    olga = make_user(app, login="olga", email="olga@example.org")
    add(app, AccountBinding(user_id=olga, account_id=bound[0], role="resident", method="code_word"))  # a family
    add(app, *(request_for(app, bound[n % 5]) for n in range(11)))
    counters = re.search(r'data-test="counters">.*?</ul>', text(page(client.get("/"))), re.S).group(0)
    assert "Оформлено обращений: 11" in counters
    assert "Подключено домов: 2" in counters
    assert "Подключено лицевых счетов: 5" in counters


def test_the_counters_of_an_empty_installation(client):
    counters = re.search(r'data-test="counters">.*?</ul>', text(page(client.get("/"))), re.S).group(0)
    assert "Оформлено обращений: 0" in counters and "Подключено домов: 0" in counters
    assert "Подключено лицевых счетов: 0" in counters
