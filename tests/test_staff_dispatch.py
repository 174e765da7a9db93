"""The dispatcher's back office: the queue, one request (status, executor, print, photos) and requests by phone."""

import re
from datetime import timedelta
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select

from kabinet import messages
from kabinet.clock import local_today, utcnow
from kabinet.dispatch import photos
from kabinet.dispatch import services as dispatch
from kabinet.extensions import db
from kabinet.models import Account, DispatchEvent, DispatchRequest, Executor, User
from kabinet.organizations import default_organization
from tests.conftest import PASSWORD, audited, logged_in, make_user, page, queries, shows, text_of
from tests.factories import make_account, make_staff, other_organization

OTHER_STREET = "г. Иркутск, ул. Карла Маркса, д. 9"


def file(app, *, account_id=None, user_id=None, hours_ago=0.0, status="new", category="leak", description="Течёт кран",
         location="г. Иркутск, ул. Ленина, д. 5, кв. 1", organization_id=None, with_photo=False) -> int:  # fmt: skip
    """A request as if filed `hours_ago`, straight into the database; its id."""
    with app.app_context():
        if organization_id is None:
            account = db.session.get(Account, account_id) if account_id else None
            organization_id = account.organization_id if account else default_organization().id
        created = utcnow() - timedelta(hours=hours_ago)
        filed = DispatchRequest(organization_id=organization_id, account_id=account_id, user_id=user_id,
                                category=category, description=description, location=location,
                                contact_phone="+79123456789", status=status, created_at=created)  # fmt: skip
        filed.events.append(DispatchEvent(user_id=user_id, author="tenant", status="new", created_at=created))
        if with_photo:
            out = BytesIO()
            Image.new("RGB", (8, 8), "red").save(out, "PNG")
            filed.photos.append(photos.stored(photos.Photo(out.getvalue(), "image/png")))
        db.session.add(filed)
        db.session.commit()
        return filed.id


@pytest.fixture
def dispatcher(app):
    make_staff(app, "dispatcher")
    return logged_in(app, "dispatcher")


@pytest.fixture
def tenant_account(app, user):
    """Ivan's account 100101 in ул. Ленина, д. 5."""
    return make_account(app, "100101", user_id=user)


@pytest.fixture
def stranger(app):
    """A dispatcher of another organization («ТСЖ «Клён»») with a request of their own; logged in."""
    organization_id = other_organization(app)
    make_user(app, login="klen", email="klen@staff.example.org", role="dispatcher", organization_id=organization_id)
    request_id = file(app, organization_id=organization_id, location="г. Иркутск, ул. Кленовая, д. 2", with_photo=True)
    return {"client": logged_in(app, "klen"), "organization": organization_id, "request": request_id}


def listed(response) -> list[int]:
    """The request numbers in the queue, in the order shown."""
    return [int(n) for n in re.findall(r'data-test="request" data-id="(\d+)"', page(response))]


# --- the queue ---------------------------------------------------------------------------------------------------


def test_queue_shows_new_first_then_the_longest_waiting_and_counts_the_new(app, dispatcher):
    taken = file(app, hours_ago=5, status="in_progress")
    recent = file(app, hours_ago=0.2)
    older = file(app, hours_ago=2)
    done = file(app, hours_ago=1, status="done")

    response = dispatcher.get("/staff/dispatch/")

    assert response.status_code == 200
    assert listed(response) == [older, recent, taken]  # the done one is not open: not in the default view
    text = page(response)
    assert "<title>(2) Заявки" in text
    assert "новых: 2" in text
    assert 'http-equiv="refresh"' not in text  # it wiped half-set filters: the table refreshes by itself instead
    assert "2 ч 0 мин" in text or "1 ч 59 мин" in text
    assert listed(dispatcher.get("/staff/dispatch/?status=all")) == [older, recent, taken, done]


def test_queue_filters_by_status_category_building_and_date(app, dispatcher):
    lenina = make_account(app, "100101")
    marksa = make_account(app, "100102", address=OTHER_STREET)
    leak = file(app, account_id=lenina, hours_ago=1)
    elevator = file(app, account_id=marksa, category="elevator", hours_ago=2)
    stairs = file(app, location=f"{OTHER_STREET}, подъезд 2", category="other", hours_ago=3)
    old = file(app, account_id=lenina, hours_ago=24 * 5, status="done")
    with app.app_context():
        building = db.session.get(Account, marksa).building_id
        today = local_today()

    assert listed(dispatcher.get("/staff/dispatch/?status=done")) == [old]
    assert listed(dispatcher.get("/staff/dispatch/?category=elevator")) == [elevator]
    assert listed(dispatcher.get(f"/staff/dispatch/?building={building}")) == [stairs, elevator]
    assert listed(dispatcher.get(f"/staff/dispatch/?status=all&created_until={today - timedelta(days=2)}")) == [old]
    recent = dispatcher.get(f"/staff/dispatch/?status=all&created_from={today - timedelta(days=1)}")
    assert sorted(listed(recent)) == sorted([leak, elevator, stairs])


@pytest.mark.parametrize(
    ("query", "message", "status"),
    [
        ("created_from=32.13.2026", "Неверное значение даты.", 400),  # a date that cannot be read: a bad request
        ("created_from=2026-05-10&created_until=2026-05-01", "Конец периода раньше его начала.", 200),
        ("building=9999", "Выберите дом из списка.", 200),
    ],
)
def test_a_bad_filter_is_explained_and_the_queue_still_shows(app, dispatcher, query, message, status):
    filed = file(app)
    response = dispatcher.get(f"/staff/dispatch/?{query}")
    assert response.status_code == status
    assert shows(response, message)
    assert listed(response) == [filed]  # the bad filter is left out, not the whole queue


def test_an_open_request_past_the_limit_is_highlighted(app, dispatcher):
    overdue = file(app, hours_ago=25, status="in_progress")
    fresh = file(app, hours_ago=23)
    file(app, hours_ago=48, status="done")
    text = page(dispatcher.get("/staff/dispatch/?status=all"))
    rows = dict(re.findall(r'data-id="(\d+)"([^>]*)>', text))
    assert 'data-overdue="true"' in rows[str(overdue)]
    assert "data-overdue" not in rows[str(fresh)]
    assert text.count('data-overdue="true"') == 1
    assert "1 д 1 ч" in text
    assert 'data-test="overdue"' in page(dispatcher.get(f"/staff/dispatch/{overdue}"))


def test_the_queue_takes_the_same_queries_for_many_requests(app, dispatcher):
    account = make_account(app, "100101")
    with app.app_context():
        executor = Executor(organization_id=default_organization().id, name="Сантехник Петров")
        db.session.add(executor)
        db.session.commit()
        executor_id = executor.id
    for _ in range(2):
        file(app, account_id=account)
    dispatcher.get("/staff/dispatch/")
    with queries(app) as few:
        dispatcher.get("/staff/dispatch/")
    for hours in range(30):
        with app.app_context():
            db.session.get(DispatchRequest, file(app, account_id=account, hours_ago=hours)).executor_id = executor_id
            db.session.commit()
    with queries(app) as many:
        response = dispatcher.get("/staff/dispatch/")
    assert len(listed(response)) == 25 and "Страница 1 из 2" in page(response)
    assert "Сантехник Петров" in page(response)
    assert many.count == few.count


def test_the_table_refreshes_alone_with_the_filters_and_the_page_reloads_without_javascript(app, dispatcher, stranger):
    leak = file(app, hours_ago=1)
    file(app, hours_ago=2, category="elevator")
    text = page(dispatcher.get("/staff/dispatch/?category=leak&created_from=32.13.2026"))
    assert re.search(r'<script src="/static/js/queue\.js\?v=[0-9a-f]+" defer></script>', text)
    assert "<script>" not in text
    assert '<p class="visually-hidden" aria-live="polite" data-queue-announce></p>' in text
    url = re.search(r'data-queue-url="([^"]+)"', text).group(1).replace("&amp;", "&")
    assert url == "/staff/dispatch/table?category=leak&created_from=32.13.2026"
    assert 'href="/staff/dispatch/?category=leak&amp;created_from=32.13.2026" data-test="refresh">Обновить</a>' in text

    table = dispatcher.get(url)

    assert table.status_code == 400  # as the page: the date cannot be read, the other filters still apply
    assert listed(table) == [leak] and "<html" not in page(table) and "<form" not in page(table)
    # what the script puts in the heading, the title and the polite announcement
    assert re.search(r'data-new="2" data-new-text="новых: 2"\s+data-announce="Новых заявок: 2"', page(table))
    assert listed(stranger["client"].get("/staff/dispatch/table")) == [stranger["request"]]


# --- one request -------------------------------------------------------------------------------------------------


def test_the_request_page_shows_the_tenants_text_escaped_with_phone_photos_and_history(app, dispatcher, tenant_account):
    filed = file(app, account_id=tenant_account, description="<script>alert(1)</script>\nвторая строка",
                 location="<b>кв. 1</b>", with_photo=True)  # fmt: skip
    text = page(dispatcher.get(f"/staff/dispatch/{filed}"))
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;<br>вторая строка" in text
    assert "&lt;b&gt;кв. 1&lt;/b&gt;" in text and "<b>кв. 1</b>" not in text
    assert 'href="tel:+79123456789"' in text
    assert "№ 100101" in text
    with app.app_context():
        photo_id = db.session.get(DispatchRequest, filed).photos[0].id
    assert f"/staff/dispatch/{filed}/photos/{photo_id}" in text
    assert 'data-test="event"' in text
    assert re.search(r'<option selected value="in_progress">В работе</option>', text)  # the usual next step
    assert "&lt;b&gt;кв. 1&lt;/b&gt;" in page(dispatcher.get("/staff/dispatch/"))


def test_a_status_change_is_recorded_and_emailed_to_the_tenant(app, dispatcher, user, tenant_account, mailbox, deliver):
    with app.app_context():
        ivan = db.session.get(User, user)
        filed, _ = dispatch.create(ivan, db.session.get(Account, tenant_account), category="leak",
                                   description="Течёт кран", location="", contact_phone="+79123456789")  # fmt: skip
        number = filed.id

    response = dispatcher.post(f"/staff/dispatch/{number}/status", data={"status": "in_progress", "comment": "Едем"})

    assert response.status_code == 302
    shown = dispatcher.get(response.location)
    assert shows(shown, messages.STAFF_DISPATCH_STATUS_CHANGED.text % {"number": number, "status": "В работе"})
    deliver()
    mail = mailbox.last("ivan@example.org")
    assert mail["Subject"] == f"УК «Наш дом»: Заявка № {number} — В работе"
    assert "Комментарий диспетчера: Едем" in text_of(mail)
    with app.app_context():
        filed = db.session.get(DispatchRequest, number)
        assert filed.status == "in_progress"
        assert [(e.author, e.status, e.text) for e in filed.events][-1] == ("staff", "in_progress", "Едем")
    assert "Ольга Сотрудникова" in page(shown)  # who wrote the history line
    assert [e.details for e in audited(app, "dispatch.status")] == ["new → in_progress"]


@pytest.mark.parametrize(("status", "message"), [("new", "заявка уже в этом статусе"), ("lost", "из списка")])
def test_a_status_it_cannot_take_is_refused_beside_the_field(app, dispatcher, status, message):
    filed = file(app)
    response = dispatcher.post(f"/staff/dispatch/{filed}/status", data={"status": status, "comment": "Мой текст"})
    assert response.status_code == 200
    assert message in page(response) and "Мой текст" in page(response)
    with app.app_context():
        assert db.session.get(DispatchRequest, filed).status == "new"
    assert audited(app, "dispatch.status") == []


def test_a_request_is_assigned_to_an_active_executor_of_the_organization(app, dispatcher, stranger):
    filed = file(app)
    with app.app_context():
        ours = Executor(organization_id=default_organization().id, name="Электрик Сидоров")
        retired = Executor(organization_id=default_organization().id, name="Уволенный Иванов", is_active=False)
        theirs = Executor(organization_id=stranger["organization"], name="Сантехник Клёна")
        db.session.add_all([ours, retired, theirs])
        db.session.commit()
        ours_id, retired_id, theirs_id = ours.id, retired.id, theirs.id

    text = page(dispatcher.get(f"/staff/dispatch/{filed}"))
    assert "Электрик Сидоров" in text and "Уволенный Иванов" not in text and "Сантехник Клёна" not in text
    for refused in (retired_id, theirs_id):
        response = dispatcher.post(f"/staff/dispatch/{filed}/assign", data={"executor": refused})
        assert response.status_code == 200 and "Выберите исполнителя из списка." in page(response)

    response = dispatcher.post(f"/staff/dispatch/{filed}/assign", data={"executor": ours_id}, follow_redirects=True)
    assert shows(response, messages.STAFF_DISPATCH_ASSIGNED.text % {"number": filed})
    assert re.search(r'data-test="executor">Электрик Сидоров<', page(response))
    assert "Электрик Сидоров" in page(dispatcher.get("/staff/dispatch/"))
    response = dispatcher.post(f"/staff/dispatch/{filed}/assign", data={"executor": ""}, follow_redirects=True)
    assert shows(response, messages.STAFF_DISPATCH_UNASSIGNED.text % {"number": filed})
    with app.app_context():
        assert db.session.get(DispatchRequest, filed).executor_id is None
    assert [e.details for e in audited(app, "dispatch.assign")] == ["Электрик Сидоров", "—"]


def test_the_print_view_is_a_plain_sheet(app, dispatcher):
    filed = file(app, description="Нет воды на кухне")
    text = page(dispatcher.get(f"/staff/dispatch/{filed}/print"))
    assert "Нет воды на кухне" in text and 'href="tel:+79123456789"' in text
    assert 'data-test="staff-menu"' not in text
    assert "css/dispatch-print.css" in text


# --- requests by phone -------------------------------------------------------------------------------------------


def test_a_request_by_phone_for_an_account_reaches_its_tenants_list(app, dispatcher, user, tenant_account):
    tenant = app.test_client()
    tenant.post("/auth/login", data={"login": "ivan", "password": PASSWORD})
    form = {"account_number": "100101", "category": "no_heating", "description": "Холодные батареи",
            "contact_phone": "8 912 345-67-89"}  # fmt: skip

    response = dispatcher.post("/staff/dispatch/new", data=form)

    assert response.status_code == 302
    with app.app_context():
        filed = db.session.scalars(select(DispatchRequest)).one()
        assert (filed.source, filed.account_id, filed.user_id) == ("phone", tenant_account, None)
        assert filed.location == "г. Иркутск, ул. Ленина, д. 5, кв. 1"
        assert filed.contact_phone == "+79123456789"
        number = filed.id
    assert shows(dispatcher.get(response.location), messages.STAFF_DISPATCH_FILED.text % {"number": number})
    assert listed(dispatcher.get("/staff/dispatch/")) == [number]
    assert f"Заявка № {number}" in page(tenant.get("/dispatch/"))
    assert len(audited(app, "dispatch.new_by_phone")) == 1


def test_a_request_by_phone_for_a_common_area_is_found_by_its_building(app, dispatcher):
    marksa = make_account(app, "100102", address=OTHER_STREET)
    with app.app_context():
        building = db.session.get(Account, marksa).building_id
    form = {"building": building, "location": "подъезд 2, подвал", "category": "sewage",
            "description": "Затопило подвал", "contact_phone": "+79123456780"}  # fmt: skip
    assert dispatcher.post("/staff/dispatch/new", data=form).status_code == 302
    with app.app_context():
        filed = db.session.scalars(select(DispatchRequest)).one()
        assert (filed.account_id, filed.location) == (None, f"{OTHER_STREET}, подъезд 2, подвал")
    assert listed(dispatcher.get(f"/staff/dispatch/?building={building}")) == [filed.id]
    assert account_shown(dispatcher.get(f"/staff/dispatch/{filed.id}")) == "места общего пользования"


def account_shown(response) -> str:
    """What the request's page says in its «Лицевой счет» row."""
    return re.search(r'data-test="account">(.*?)</dd>', page(response), re.S).group(1).strip()


def test_a_request_by_phone_finds_the_account_by_house_and_apartment(app, dispatcher, user):
    # The dispatcher has no access to the accounts: the caller's house and apartment find theirs.
    tenant = logged_in(app, "ivan")
    account = make_account(app, "100112", premises="12А", user_id=user)
    make_account(app, "100199", premises="12А", address=OTHER_STREET)  # the same apartment in another house
    make_account(app, "100113", premises="12Б", is_closed=True)
    with app.app_context():
        building = db.session.get(Account, account).building_id
    form = {"building": building, "premises": "12а", "category": "leak", "description": "Течёт с потолка",
            "contact_phone": "+79123456780"}  # fmt: skip

    response = dispatcher.post("/staff/dispatch/new", data=form)

    assert response.status_code == 302
    with app.app_context():
        filed = db.session.scalars(select(DispatchRequest)).one()
        assert (filed.account_id, filed.location) == (account, "г. Иркутск, ул. Ленина, д. 5, кв. 12А")
    assert "№ 100112" in account_shown(dispatcher.get(response.location))
    assert f"Заявка № {filed.id}" in page(tenant.get("/dispatch/"))


@pytest.mark.parametrize("premises", ["7", "12Б"])  # no account there; a closed one
def test_a_request_by_phone_for_an_apartment_with_no_account_says_where(app, dispatcher, premises):
    make_account(app, "100113", premises="12Б", is_closed=True)
    with app.app_context():
        building = db.session.scalar(select(Account.building_id))
    form = {"building": building, "premises": premises, "location": "ванная", "category": "leak",
            "description": "Течёт с потолка", "contact_phone": "+79123456780"}  # fmt: skip

    response = dispatcher.post("/staff/dispatch/new", data=form)

    assert response.status_code == 302
    place = f"г. Иркутск, ул. Ленина, д. 5, кв. {premises}, ванная"
    with app.app_context():
        filed = db.session.scalars(select(DispatchRequest)).one()
        assert (filed.account_id, filed.location) == (None, place)
    for url in (response.location, f"{response.location}/print"):
        shown = account_shown(dispatcher.get(url))
        assert place in shown and "места общего пользования" not in shown, url


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"account_number": "999999"}, "Лицевой счет № 999999 не найден."),
        ({"account_number": "200101"}, "Лицевой счет № 200101 не найден."),  # another organization's
        ({}, "Укажите лицевой счет или выберите дом"),
        ({"account_number": "100101", "contact_phone": "12"}, "Неверный номер телефона."),
        ({"account_number": "100101", "category": "fire"}, "Выберите, что случилось, из списка."),
        ({"account_number": "100101", "description": ""}, "Опишите, что случилось."),
    ],
)
def test_a_bad_request_by_phone_is_explained_and_kept(app, dispatcher, stranger, fields, message):
    make_account(app, "100101")
    form = {"category": "leak", "description": "Капает с потолка", "contact_phone": "+79123456780", **fields}
    response = dispatcher.post("/staff/dispatch/new", data=form)
    assert response.status_code == 200
    assert message in page(response)
    assert "Капает с потолка" in page(response) or not form["description"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DispatchRequest)) == 1  # the stranger's only


# --- access ------------------------------------------------------------------------------------------------------


def test_photos_are_served_to_the_organizations_staff_only(app, dispatcher, stranger):
    filed = file(app, with_photo=True)
    with app.app_context():
        photo_id = db.session.get(DispatchRequest, filed).photos[0].id
        theirs = db.session.get(DispatchRequest, stranger["request"]).photos[0].id
    served = dispatcher.get(f"/staff/dispatch/{filed}/photos/{photo_id}")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["Cache-Control"] == "private, no-store"
    assert stranger["client"].get(f"/staff/dispatch/{filed}/photos/{photo_id}").status_code == 404
    assert dispatcher.get(f"/staff/dispatch/{stranger['request']}/photos/{theirs}").status_code == 404
    assert dispatcher.get(f"/staff/dispatch/{filed}/photos/{theirs}").status_code == 404


def test_another_organizations_requests_are_not_found(app, dispatcher, stranger):
    theirs = stranger["request"]
    assert theirs not in listed(dispatcher.get("/staff/dispatch/?status=all"))
    for path in (f"/staff/dispatch/{theirs}", f"/staff/dispatch/{theirs}/print"):
        assert dispatcher.get(path).status_code == 404
    assert dispatcher.post(f"/staff/dispatch/{theirs}/status", data={"status": "done"}).status_code == 404
    assert dispatcher.post(f"/staff/dispatch/{theirs}/assign", data={"executor": ""}).status_code == 404
    with app.app_context():
        assert db.session.get(DispatchRequest, theirs).status == "new"
    assert listed(stranger["client"].get("/staff/dispatch/")) == [theirs]


ROUTES = [
    ("get", "/staff/dispatch/"),
    ("get", "/staff/dispatch/table"),
    ("get", "/staff/dispatch/new"),
    ("get", "/staff/dispatch/{id}"),
    ("get", "/staff/dispatch/{id}/print"),
    ("get", "/staff/dispatch/{id}/photos/{photo}"),
    ("post", "/staff/dispatch/{id}/status"),
    ("post", "/staff/dispatch/{id}/assign"),
    ("post", "/staff/dispatch/{id}/comment"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(
    ("who", "expected"), [("admin", 200), ("dispatcher", 200), ("accountant", 403), ("ivan", 404), (None, 302)]
)
def test_who_may_open_the_dispatch_pages(app, user, method, path, who, expected):
    filed = file(app, with_photo=True)
    with app.app_context():
        photo_id = db.session.get(DispatchRequest, filed).photos[0].id
    if who in ("admin", "dispatcher", "accountant"):
        make_staff(app, who)
    client = logged_in(app, who) if who else app.test_client()
    data = {"status": {"status": "in_progress"}, "assign": {"executor": ""}, "comment": {"text": "Едем"}}
    data = data.get(path.rsplit("/", 1)[-1])
    response = getattr(client, method)(path.format(id=filed, photo=photo_id), data=data if method == "post" else None)
    if method == "post" and expected == 200:
        expected = 302  # done, then back to the request
    assert response.status_code == expected
    if expected == 302 and who is None:
        assert "/auth/login" in response.location
