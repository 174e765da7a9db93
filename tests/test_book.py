"""The complaints and suggestions book: entries, answers, publishing to the organization's tenants, and access."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from kabinet import messages
from kabinet.book import services
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import BookEntry, Organization, User
from kabinet.organizations import default_organization
from tests.conftest import PASSWORD, make_user, page, queries, shows, wipe
from tests.factories import add_history, make_account, other_organization

ENTRY = {"kind": "complaint", "subject": "Не работает лифт", "text": "Второй день стоит лифт во втором подъезде."}
SCRIPT = "<script>alert(1)</script>"


def logged_in(app, login):
    client = app.test_client()
    client.post("/auth/login", data={"login": login, "password": PASSWORD})
    return client


@pytest.fixture
def tenant(app, client, auth, user):
    """Иван, bound to an account of the default organization, logged in."""
    make_account(app, "100101", user_id=user)
    auth.login()
    return client


def entries(app) -> list[BookEntry]:
    with app.app_context():
        found = db.session.scalars(select(BookEntry).order_by(BookEntry.id)).all()
        db.session.expunge_all()
        return found


def write(app, user_id, organization_id=None, subject="Тема", text="Текст", answer=None, publish=False) -> int:
    """An entry as the services make it, answered by a staff member when `answer` is given; its id."""
    with app.app_context():
        user = db.session.get(User, user_id)
        organization = db.session.get(Organization, organization_id) if organization_id else default_organization()
        entry = services.create(user, organization, "suggestion", subject, text)
        if answer is not None:
            staff = db.session.scalar(select(User).where(User.login == "staff"))
            if staff is None:
                staff = db.session.get(User, make_user(app, login="staff", email="staff@example.org"))
            services.answer(entry, answer, staff, publish=publish)
        return entry.id


def test_the_book_needs_a_login(client):
    for url in ("/book/", "/book/new", "/book/1"):
        assert client.get(url).status_code == 302
    assert client.post("/book/new", data=ENTRY).status_code == 302


def test_write_an_entry_and_see_it_waiting_for_an_answer(tenant, app):
    form = page(tenant.get("/book/new"))
    for label in ("Жалоба", "Предложение", "Благодарность", "Тема", "Текст", "data-once"):
        assert label in form
    response = tenant.post("/book/new", data=ENTRY, follow_redirects=True)
    assert shows(response, messages.BOOK_ENTRY_SAVED)
    assert ENTRY["subject"] in page(response) and ENTRY["text"] in page(response)
    assert "Ответа пока нет" in page(response)
    listing = page(tenant.get("/book/"))
    assert ENTRY["subject"] in listing and "ожидает ответа" in listing and "Жалоба" in listing
    [entry] = entries(app)
    with app.app_context():
        assert entry.organization_id == default_organization().id
        assert (entry.kind, entry.subject, entry.text) == tuple(ENTRY.values())
        assert not entry.is_published


def test_line_breaks_of_the_text_are_kept(tenant):
    response = tenant.post("/book/new", data={**ENTRY, "text": "Первая строка\nВторая строка"}, follow_redirects=True)
    assert "Первая строка<br>\nВторая строка" in page(response)


def test_a_tenant_without_accounts_writes_to_the_default_organization(app, client, auth, user):
    auth.login()
    client.post("/book/new", data=ENTRY)
    with app.app_context():
        assert [e.organization_id for e in entries(app)] == [default_organization().id]


def test_the_entry_goes_to_the_organization_of_the_first_bound_account(app, client, auth, user):
    klen = other_organization(app, user_id=user)
    make_account(app, "100101", user_id=user)
    auth.login()
    assert "ТСЖ «Клён»" in page(client.get("/book/new"))
    client.post("/book/new", data=ENTRY)
    assert [e.organization_id for e in entries(app)] == [klen]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"kind": ""}, "Выберите вид записи."),
        ({"kind": "bribe"}, "Выберите вид записи из предложенных."),
        ({"subject": ""}, "Укажите тему."),
        ({"subject": "   "}, "Укажите тему."),
        ({"subject": "Я" * 201}, "Не длиннее 200 символов."),
        ({"text": ""}, "Напишите текст записи."),
        ({"text": "Я" * 5001}, "Не длиннее 5000 символов."),
    ],
)
def test_bad_input_is_explained_beside_the_field_and_kept(tenant, app, changes, error):
    data = {**ENTRY, **changes}
    response = tenant.post("/book/new", data=data)
    html = page(response)
    assert response.status_code == 200
    assert 'class="invalid-feedback d-block"' in html
    assert error in html
    if data["subject"].strip():
        assert f'value="{data["subject"]}"' in html
    if data["text"]:
        assert data["text"] in html
    assert entries(app) == []


def test_a_nul_in_the_text_is_dropped_not_a_server_error(tenant, app):
    tenant.post("/book/new", data={**ENTRY, "text": "Текст\x00 с нулём"})
    assert [e.text for e in entries(app)] == ["Текст с нулём"]


def test_a_double_click_makes_one_entry(tenant, app):
    first = tenant.post("/book/new", data=ENTRY)
    second = tenant.post("/book/new", data=ENTRY)
    assert len(entries(app)) == 1
    assert first.headers["Location"] == second.headers["Location"]


def test_writing_too_often_brings_the_form_back_with_what_was_typed(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SUBMISSIONS="2/hour")
    make_account(app, "100101", user_id=make_user(app))
    tenant = logged_in(app, "ivan")
    for n in range(2):
        assert tenant.post("/book/new", data={**ENTRY, "subject": f"Лифт, запись {n}"}).status_code == 302

    blocked = tenant.post("/book/new", data={**ENTRY, "subject": "Лифт снова стоит"})

    assert blocked.status_code == 429
    assert shows(blocked, str(messages.SUBMISSIONS_TOO_OFTEN.text) % {"wait": "через 1 час"})
    assert 'value="Лифт снова стоит"' in page(blocked) and ENTRY["text"] in page(blocked)
    assert len(entries(app)) == 2


def test_the_same_text_a_minute_later_is_a_new_entry(tenant, app):
    tenant.post("/book/new", data=ENTRY)
    with app.app_context():
        db.session.execute(db.update(BookEntry).values(created_at=utcnow() - timedelta(minutes=2)))
        db.session.commit()
    tenant.post("/book/new", data=ENTRY)
    assert len(entries(app)) == 2


def test_tenant_text_is_shown_escaped(app, tenant, user):
    tenant.post("/book/new", data={"kind": "complaint", "subject": SCRIPT, "text": SCRIPT})
    [entry] = entries(app)
    with app.app_context():
        services.answer(db.session.get(BookEntry, entry.id), "Ответ", db.session.get(User, user), publish=True)
    neighbour = make_user(app, login="petr", email="petr@example.org", first_name="Пётр")
    make_account(app, "100102", premises="2", user_id=neighbour)
    for client in (tenant, logged_in(app, "petr")):
        for url in ("/book/", f"/book/{entry.id}"):
            html = page(client.get(url))
            assert SCRIPT not in html
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_answer_is_shown_to_the_author(tenant, app, user):
    entry_id = write(app, user, answer="Лифт починили.\nСпасибо за терпение.")
    listing = page(tenant.get("/book/"))
    assert "есть ответ" in listing and "ожидает ответа" not in listing
    shown = page(tenant.get(f"/book/{entry_id}"))
    assert "Лифт починили.<br>\nСпасибо за терпение." in shown and "Ответ компании" in shown


def test_answer_sets_who_when_and_whether_published(app, user):
    entry_id = write(app, user)
    staff_id = make_user(app, login="staff", email="staff@example.org")
    with app.app_context():
        entry = db.session.get(BookEntry, entry_id)
        with pytest.raises(ValueError):
            services.answer(entry, "   ", db.session.get(User, staff_id), publish=True)
        services.answer(entry, "  Сделаем.  ", db.session.get(User, staff_id), publish=True)
        entry = db.session.get(BookEntry, entry_id)
        assert (entry.answer, entry.answered_by, entry.is_published) == ("Сделаем.", staff_id, True)
        assert utcnow() - entry.answered_at < timedelta(minutes=1)


def test_create_refuses_an_unknown_kind(app, user):
    with app.app_context(), pytest.raises(ValueError):
        services.create(db.session.get(User, user), default_organization(), "bribe", "Тема", "Текст")


def test_a_published_answer_is_read_by_the_organizations_tenants_without_the_authors_name(app, user):
    make_account(app, "100101", user_id=user)
    entry_id = write(app, user, subject="Двор не чистят", answer="Подрядчик заменён.", publish=True)
    neighbour = make_user(app, login="petr", email="petr@example.org", first_name="Пётр", last_name="Соседов")
    make_account(app, "100102", premises="2", user_id=neighbour)
    petr = logged_in(app, "petr")
    listing = page(petr.get("/book/"))
    assert "Двор не чистят" in listing
    shown = page(petr.get(f"/book/{entry_id}"))
    assert "Подрядчик заменён." in shown
    assert "ваша запись" not in shown
    for name in ("Иван", "Петров"):  # the author; the page's header names Пётр Соседов, who reads it
        assert name not in shown and name not in listing


def test_a_published_answer_is_hidden_from_another_organization_and_from_a_login_without_accounts(app, user):
    make_account(app, "100101", user_id=user)
    entry_id = write(app, user, subject="Двор не чистят", answer="Подрядчик заменён.", publish=True)
    stranger = make_user(app, login="klen", email="klen@example.org")
    other_organization(app, user_id=stranger)
    make_user(app, login="nobody", email="nobody@example.org")
    for login in ("klen", "nobody"):
        client = logged_in(app, login)
        assert "Двор не чистят" not in page(client.get("/book/"))
        assert client.get(f"/book/{entry_id}").status_code == 404


def test_another_tenants_unpublished_entry_is_not_found(app, user):
    make_account(app, "100101", user_id=user)
    waiting = write(app, user, subject="Личное")
    answered = write(app, user, subject="Отвечено", answer="Ответ", publish=False)
    neighbour = make_user(app, login="petr", email="petr@example.org")
    make_account(app, "100102", premises="2", user_id=neighbour)
    petr = logged_in(app, "petr")
    for entry_id in (waiting, answered, 999999):
        assert petr.get(f"/book/{entry_id}").status_code == 404
    listing = page(petr.get("/book/"))
    assert "Личное" not in listing and "Отвечено" not in listing


def test_own_entries_come_fifty_at_a_time(tenant, app, user):
    for n in range(services.PER_PAGE + 1):
        write(app, user, subject=f"Запись {n:03}", text=f"Текст {n}")
    first = page(tenant.get("/book/"))
    assert "Запись 050" in first and "Запись 001" in first and "Запись 000" not in first
    assert "Показать ещё" in first
    second = page(tenant.get("/book/?page=2"))
    assert "Запись 000" in second and "Запись 001" not in second and "Показать ещё" not in second
    for wild in ("99999999999999999999", "-3", "abc"):
        assert tenant.get(f"/book/?page={wild}&published_page={wild}").status_code == 200


def history(app, user_id, months, entries_count):
    """A tenant's account with `months` of charges, `entries_count` own entries and as many published ones."""
    account_id = make_account(app, "100101", user_id=user_id)
    add_history(app, account_id, date(2026, 1, 1) - timedelta(days=31 * months), months)
    other = make_user(app, login="petr", email="petr@example.org")
    make_account(app, "100102", premises="2", user_id=other)
    with app.app_context():
        organization_id, now = default_organization().id, utcnow()
        for n in range(entries_count):
            answered = {"answer": "Ответ", "answered_at": now, "answered_by": other}
            db.session.add_all(
                [
                    BookEntry(organization_id=organization_id, user_id=user_id, kind="complaint", subject=f"Моя {n}",
                              text="Текст", **(answered if n % 2 else {})),
                    BookEntry(organization_id=organization_id, user_id=other, kind="gratitude", subject=f"Соседа {n}",
                              text="Текст", is_published=True, **answered),
                ]
            )  # fmt: skip
        db.session.commit()
        mine = db.session.scalar(select(func.min(BookEntry.id)).where(BookEntry.user_id == user_id))
        published = db.session.scalar(select(func.max(BookEntry.id)).where(BookEntry.is_published))
    return {"mine": mine, "published": published}


def test_book_pages_run_the_same_number_of_queries_whatever_the_history(make_app):
    urls = ["/book/", "/book/?page=2&published_page=2", "/book/new", "/book/{mine}", "/book/{published}"]
    counts = []
    for months, entries_count in ((1, 1), (120, 120)):
        app = make_app()
        ids = history(app, make_user(app), months, entries_count)
        client = logged_in(app, "ivan")
        counted = []
        for url in urls:
            with queries(app) as statements:
                assert client.get(url.format(**ids)).status_code == 200
            counted.append(statements.count)
        counts.append(counted)
        wipe(app)
    assert counts[0] == counts[1]
