"""The staff's content: answers to the complaints book, the feedback messages, the announcements."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from kabinet import messages
from kabinet.book import services as book
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import Announcement, AuditEvent, BookEntry, Building, Feedback, Organization, OutboxMessage, User
from kabinet.organizations import default_organization
from tests.conftest import PASSWORD, html_of, make_user, page, queries, shows, text_of
from tests.factories import make_account, make_staff, other_organization

SCRIPT = "<script>alert(1)</script>"
LENINA, SADOVAYA = "г. Иркутск, ул. Ленина, д. 5", "г. Иркутск, ул. Садовая, д. 9"
YESTERDAY = date.today() - timedelta(days=1)  # current wherever the installation's midnight falls


def logged_in(app, login):
    client = app.test_client()
    assert client.post("/auth/login", data={"login": login, "password": PASSWORD}).status_code == 302
    return client


def staff(app, role):
    """A logged-in client of a staff user with this role, of the default organization."""
    make_staff(app, role)
    return logged_in(app, role)


def tenant_of(app, login, number, address=LENINA, **fields) -> int:
    """A confirmed tenant bound to a new account in the building at `address`; their id."""
    user_id = make_user(app, login=login, email=f"{login}@example.org", **fields)
    make_account(app, number, address=address, user_id=user_id)
    return user_id


@pytest.fixture
def ivan(app):
    return tenant_of(app, "ivan", "100101")


def write(app, user_id, subject="Шумят соседи", text="Каждую ночь шумят.", kind="complaint") -> int:
    with app.app_context():
        return book.create(db.session.get(User, user_id), default_organization(), kind, subject, text).id


def entry(app, entry_id) -> BookEntry:
    with app.app_context():
        found = db.session.get(BookEntry, entry_id)
        db.session.expunge_all()
        return found


def audited(app) -> list[str]:
    """The staff actions in the audit log, oldest first (logins left out)."""
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))
        return [action for action in actions if "." in action]


def organization_id(app) -> int:
    with app.app_context():
        found = default_organization().id
        db.session.commit()
        return found


# --- the complaints book ----------------------------------------------------------------------------------------


def test_the_answer_reaches_the_author_by_email_and_publishing_shows_it_to_the_tenants(app, ivan, mailbox, deliver):
    entry_id = write(app, ivan, subject="Лифт стоит", text="Второй день стоит лифт.")
    tenant_of(app, "petr", "100102")
    neighbour = logged_in(app, "petr")
    dispatcher = staff(app, "dispatcher")
    assert "Лифт стоит" in page(dispatcher.get("/staff/content/book"))
    assert "Второй день стоит лифт." in page(dispatcher.get(f"/staff/content/book/{entry_id}"))

    response = dispatcher.post(
        f"/staff/content/book/{entry_id}",
        data={"answer": "Лифт починят завтра.", "publish": "y"},
        follow_redirects=True,
    )
    assert shows(response, messages.STAFF_BOOK_ANSWERED)
    deliver()
    email = mailbox.last("ivan@example.org")
    assert "Ответ на вашу запись" in email["Subject"]
    assert "Лифт починят завтра." in text_of(email) and f"/book/{entry_id}" in text_of(email)
    published = page(neighbour.get("/book/"))
    assert "Лифт стоит" in published.split("Опубликованные ответы")[1]
    assert "Лифт починят завтра." in page(neighbour.get(f"/book/{entry_id}"))

    response = dispatcher.post(f"/staff/content/book/{entry_id}/unpublish", follow_redirects=True)
    assert shows(response, messages.STAFF_BOOK_UNPUBLISHED)
    assert "Лифт стоит" not in page(neighbour.get("/book/"))
    assert neighbour.get(f"/book/{entry_id}").status_code == 404
    response = dispatcher.post(f"/staff/content/book/{entry_id}/publish", follow_redirects=True)
    assert shows(response, messages.STAFF_BOOK_PUBLISHED)
    assert "Лифт стоит" in page(neighbour.get("/book/"))
    assert audited(app)[-4:] == ["book.answer", "book.publish", "book.unpublish", "book.publish"]


def test_an_answer_can_be_kept_unpublished_and_replaced(app, ivan, mailbox, deliver):
    entry_id = write(app, ivan)
    dispatcher = staff(app, "dispatcher")
    dispatcher.post(f"/staff/content/book/{entry_id}", data={"answer": "Разберёмся."})
    assert entry(app, entry_id).answer == "Разберёмся." and not entry(app, entry_id).is_published
    assert "Каждую ночь" not in page(logged_in(app, "ivan").get("/book/")).split("Опубликованные ответы")[1]
    response = dispatcher.post(
        f"/staff/content/book/{entry_id}", data={"answer": "Поговорили с соседями."}, follow_redirects=True
    )
    assert shows(response, messages.STAFF_BOOK_ANSWERED) and "Поговорили с соседями." in page(response)
    assert entry(app, entry_id).answer == "Поговорили с соседями."
    deliver()
    assert len(mailbox.to("ivan@example.org")) == 2


def test_saving_the_same_answer_again_to_publish_it_emails_nobody(app, ivan, mailbox, deliver):
    entry_id = write(app, ivan)
    dispatcher = staff(app, "dispatcher")
    dispatcher.post(f"/staff/content/book/{entry_id}", data={"answer": "Разберёмся."})
    response = dispatcher.post(
        f"/staff/content/book/{entry_id}", data={"answer": "Разберёмся.", "publish": "y"}, follow_redirects=True
    )
    assert shows(response, messages.STAFF_BOOK_ANSWER_SAVED)
    assert entry(app, entry_id).is_published
    deliver()
    assert len(mailbox.to("ivan@example.org")) == 1


def test_an_entry_without_an_answer_cannot_be_published(app, ivan):
    entry_id = write(app, ivan)
    response = staff(app, "dispatcher").post(f"/staff/content/book/{entry_id}/publish", follow_redirects=True)
    assert shows(response, messages.STAFF_BOOK_NOT_ANSWERED)
    assert not entry(app, entry_id).is_published
    assert "book.publish" not in audited(app)


def test_an_empty_answer_is_refused_beside_the_field(app, ivan):
    entry_id = write(app, ivan)
    response = staff(app, "dispatcher").post(f"/staff/content/book/{entry_id}", data={"answer": "   ", "publish": "y"})
    assert response.status_code == 200
    assert "Напишите ответ." in page(response) and 'class="invalid-feedback d-block"' in page(response)
    assert entry(app, entry_id).answered_at is None


def test_the_tenants_text_is_shown_escaped(app, ivan):
    entry_id = write(app, ivan, subject=SCRIPT, text=f"{SCRIPT}\nвторая строка")
    dispatcher = staff(app, "dispatcher")
    for url in ("/staff/content/book", f"/staff/content/book/{entry_id}"):
        html = page(dispatcher.get(url))
        assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_book_lists_entries_awaiting_an_answer_first_and_filters_them(app, ivan):
    answered = write(app, ivan, subject="Спасибо дворнику", kind="gratitude")
    with app.app_context():
        book.answer(db.session.get(BookEntry, answered), "Передадим.", db.session.get(User, ivan), publish=True)
    write(app, ivan, subject="Старая жалоба")
    write(app, ivan, subject="Новое предложение", kind="suggestion")
    dispatcher = staff(app, "dispatcher")
    titles = re.findall(r'href="/staff/content/book/\d+">([^<]+)<', page(dispatcher.get("/staff/content/book")))
    assert titles == ["Новое предложение", "Старая жалоба", "Спасибо дворнику"]
    for query, expected in [
        ("kind=complaint", ["Старая жалоба"]),
        ("state=unanswered", ["Новое предложение", "Старая жалоба"]),
        ("state=published", ["Спасибо дворнику"]),
        ("kind=gratitude&state=unanswered", []),
        ("kind=nonsense&state=%3Cb%3E", ["Новое предложение", "Старая жалоба", "Спасибо дворнику"]),
    ]:
        response = dispatcher.get(f"/staff/content/book?{query}")
        assert response.status_code == 200
        assert re.findall(r'href="/staff/content/book/\d+">([^<]+)<', page(response)) == expected, query


def test_opening_the_book_or_resetting_its_filters_shows_no_errors(app):
    # The page opened from the menu, or «Сбросить» (the same bare address): "all" chosen, nothing marked wrong.
    dispatcher = staff(app, "dispatcher")
    for url in ("/staff/content/book", "/staff/content/book?kind=&state="):
        html = page(dispatcher.get(url))
        assert "Неверный вариант" not in html and "is-invalid" not in html, url
    assert "is-invalid" in page(dispatcher.get("/staff/content/book?kind=nonsense"))  # a typed address still is


# --- feedback ---------------------------------------------------------------------------------------------------


def add_feedback(app, name, message, state="new", organization=None) -> int:
    with app.app_context():
        row = Feedback(
            organization_id=organization or default_organization().id,
            name=name,
            contact="anna@example.org",
            message=message,
            state=state,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def test_feedback_is_listed_new_first_escaped_and_marked_done_and_reopened(app):
    handled = add_feedback(app, "Анна", "Уже ответили", state="done")
    fresh = add_feedback(app, SCRIPT, f"{SCRIPT}\nПозвоните мне")
    dispatcher = staff(app, "dispatcher")
    html = page(dispatcher.get("/staff/content/feedback"))
    assert SCRIPT not in html and "&lt;script&gt;" in html and "anna@example.org" in html
    assert re.findall(r'data-id="(\d+)" data-state="(\w+)"', html) == [(str(fresh), "new"), (str(handled), "done")]

    response = dispatcher.post(f"/staff/content/feedback/{fresh}/done", follow_redirects=True)
    assert shows(response, messages.STAFF_FEEDBACK_DONE)
    assert f'data-id="{fresh}" data-state="done"' in page(response)
    response = dispatcher.post(f"/staff/content/feedback/{handled}/reopen", follow_redirects=True)
    assert shows(response, messages.STAFF_FEEDBACK_REOPENED)
    assert f'data-id="{handled}" data-state="new"' in page(response)
    assert audited(app)[-2:] == ["feedback.done", "feedback.reopen"]


# --- announcements ----------------------------------------------------------------------------------------------


def announcement_form(**changes) -> dict:
    return {
        "title": "Отключение воды",
        "body": "Воду отключат 5 мая.",
        "published_on": YESTERDAY.isoformat(),
        **changes,
    }


def building_id(app, address) -> int:
    with app.app_context():
        return db.session.scalar(select(Building.id).where(Building.address == address))


def announcements(app) -> list[Announcement]:
    with app.app_context():
        found = db.session.scalars(select(Announcement).order_by(Announcement.id)).all()
        for row in found:
            row.buildings  # noqa: B018 -- loaded before the session closes
        db.session.expunge_all()
        return found


def home_titles(client) -> list[str]:
    return re.findall(r'data-test="announcement"><span class="fw-semibold">([^<]+)<', page(client.get("/cabinet/")))


def test_an_accountant_writes_changes_and_deletes_an_announcement_the_tenants_see(app, ivan):
    accountant = staff(app, "accountant")
    assert "Новое объявление" in page(accountant.get("/staff/content/announcements"))
    form = page(accountant.get("/staff/content/announcements/new"))
    assert re.search(r'name="published_on" required type="date" value="\d{4}-\d\d-\d\d"', form)  # today
    response = accountant.post("/staff/content/announcements/new", data=announcement_form(), follow_redirects=True)
    assert shows(response, messages.STAFF_ANNOUNCEMENT_SAVED.text % {"title": "Отключение воды"})
    assert "Отключение воды" in page(response) and "все дома" in page(response)
    tenant = logged_in(app, "ivan")
    assert home_titles(tenant) == ["Отключение воды"]

    [news] = announcements(app)
    assert news.until is None and news.buildings == [] and news.created_by is not None
    until = (YESTERDAY + timedelta(days=30)).isoformat()
    response = accountant.post(
        f"/staff/content/announcements/{news.id}", data=announcement_form(title="Отключение горячей воды", until=until)
    )
    assert response.status_code == 302
    assert home_titles(tenant) == ["Отключение горячей воды"]
    edit = page(accountant.get(f"/staff/content/announcements/{news.id}"))
    assert "Отключение горячей воды" in edit and until in edit

    response = accountant.post(f"/staff/content/announcements/{news.id}/delete", follow_redirects=True)
    assert shows(response, messages.STAFF_ANNOUNCEMENT_DELETED)
    assert announcements(app) == [] and home_titles(tenant) == []
    assert audited(app)[-3:] == ["announcement.create", "announcement.update", "announcement.delete"]


def test_an_announcement_for_a_building_is_seen_only_by_its_tenants(app, ivan):
    tenant_of(app, "olga", "300101", address=SADOVAYA)
    dispatcher = staff(app, "dispatcher")
    sadovaya = building_id(app, SADOVAYA)
    form = page(dispatcher.get("/staff/content/announcements/new"))
    assert LENINA in form and SADOVAYA in form and 'type="checkbox"' in form
    dispatcher.post("/staff/content/announcements/new", data=announcement_form(title="Садовая", buildings=[sadovaya]))
    dispatcher.post("/staff/content/announcements/new", data=announcement_form(title="Всем"))
    assert home_titles(logged_in(app, "olga")) == ["Всем", "Садовая"]
    assert home_titles(logged_in(app, "ivan")) == ["Всем"]
    assert SADOVAYA in page(dispatcher.get("/staff/content/announcements"))


def test_a_future_or_ended_announcement_is_not_on_the_home(app, ivan):
    dispatcher = staff(app, "dispatcher")
    later = (date.today() + timedelta(days=3)).isoformat()
    dispatcher.post("/staff/content/announcements/new", data=announcement_form(title="Будет", published_on=later))
    ended = {"published_on": (YESTERDAY - timedelta(days=9)).isoformat(), "until": (YESTERDAY - timedelta(days=2))}
    dispatcher.post("/staff/content/announcements/new", data=announcement_form(title="Было", **ended))
    assert len(announcements(app)) == 2
    assert home_titles(logged_in(app, "ivan")) == []
    html = page(dispatcher.get("/staff/content/announcements"))
    assert "запланировано" in html and "завершено" in html


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"title": "  "}, "Укажите заголовок."),
        ({"title": "Я" * 201}, "Не длиннее 200 символов."),
        ({"body": ""}, "Напишите текст объявления."),
        ({"published_on": ""}, "Укажите дату публикации."),
        ({"published_on": "31.02.2026"}, 'id="published_on-errors"'),
        ({"until": "2000-01-01"}, "Дата окончания не может быть раньше даты публикации."),
        ({"buildings": ["999999"]}, "Выберите дома из списка."),
        ({"buildings": ["Ленина"]}, 'id="buildings-errors"'),
    ],
)
def test_a_bad_announcement_is_explained_beside_the_field_and_kept(app, ivan, changes, error):
    dispatcher = staff(app, "dispatcher")
    data = announcement_form(**{"body": "Текст <b>жирный</b>", **changes})
    response = dispatcher.post("/staff/content/announcements/new", data=data)
    assert response.status_code == 200
    html = page(response)
    assert error in html and 'class="invalid-feedback d-block"' in html
    assert "Текст &lt;b&gt;жирный&lt;/b&gt;" in html or "body" in changes  # the input is kept, escaped
    assert announcements(app) == []


def test_announcements_are_shown_escaped_to_the_staff(app):
    dispatcher = staff(app, "dispatcher")
    dispatcher.post("/staff/content/announcements/new", data=announcement_form(title=SCRIPT))
    html = page(dispatcher.get("/staff/content/announcements"))
    assert SCRIPT not in html and "&lt;script&gt;" in html


def test_the_email_goes_once_to_the_confirmed_unblocked_tenants_of_its_buildings(app, ivan, mailbox, deliver):
    tenant_of(app, "olga", "300101", address=SADOVAYA)
    tenant_of(app, "masha", "300102", address=SADOVAYA, confirmed=False)
    tenant_of(app, "boris", "300103", address=SADOVAYA, blocked_at=utcnow())
    other_organization(app, user_id=make_user(app, login="klen", email="klen@example.org"))
    dispatcher = staff(app, "dispatcher")
    sadovaya = building_id(app, SADOVAYA)
    dispatcher.post("/staff/content/announcements/new", data=announcement_form(title="Садовая", buildings=[sadovaya]))
    [news] = announcements(app)

    response = dispatcher.post(f"/staff/content/announcements/{news.id}/email", follow_redirects=True)
    assert shows(response, messages.STAFF_ANNOUNCEMENT_EMAILED.text % {"count": 1})
    assert 'data-test="emailed"' in page(response) and "Разослать по e-mail" not in page(response)
    response = dispatcher.post(f"/staff/content/announcements/{news.id}/email", follow_redirects=True)
    assert shows(response, messages.STAFF_ANNOUNCEMENT_ALREADY_EMAILED)
    deliver()
    assert [m["To"] for m in mailbox.messages] == ["olga@example.org"]
    email = mailbox.last("olga@example.org")
    assert "Садовая" in email["Subject"] and "Воду отключат 5 мая." in text_of(email) and "/cabinet/" in text_of(email)
    assert audited(app).count("announcement.email") == 1


def test_the_email_is_asked_to_be_confirmed_saying_how_many_tenants_get_it(app, ivan, mailbox, deliver):
    tenant_of(app, "olga", "300101", address=SADOVAYA)
    tenant_of(app, "masha", "300102", address=SADOVAYA, confirmed=False)
    dispatcher = staff(app, "dispatcher")
    dispatcher.post("/staff/content/announcements/new", data=announcement_form(title="Всем <домам>"))
    [news] = announcements(app)
    url = f"/staff/content/announcements/{news.id}/email"
    assert f'href="{url}">Разослать по e-mail</a>' in page(dispatcher.get("/staff/content/announcements"))

    question = page(dispatcher.get(url))

    assert "Разослать объявление «Всем &lt;домам&gt;» по e-mail?" in question
    assert "Письмо получат жители с подтверждённым e-mail: 2." in question
    assert f'<form method="post" action="{url}"' in question and "Разослать</button>" in question
    assert 'href="/staff/content/announcements">Отмена</a>' in question
    deliver()
    assert mailbox.messages == [] and announcements(app)[0].emailed_at is None


def test_an_ended_announcement_offers_no_email_and_refuses_one(app, ivan, mailbox, deliver):
    dispatcher = staff(app, "dispatcher")
    ended = {"published_on": (YESTERDAY - timedelta(days=9)).isoformat(), "until": (YESTERDAY - timedelta(days=1))}
    dispatcher.post("/staff/content/announcements/new", data=announcement_form(title="Было", **ended))
    until = date.today() + timedelta(days=1)
    dispatcher.post("/staff/content/announcements/new", data=announcement_form(title="Идёт", until=until))
    ended_one, current = announcements(app)
    listed = page(dispatcher.get("/staff/content/announcements"))
    assert listed.count("Разослать по e-mail") == 1 and f"/{current.id}/email" in listed

    for method in ("GET", "POST"):
        response = dispatcher.open(f"/staff/content/announcements/{ended_one.id}/email", method=method)
        assert response.location.endswith("/staff/content/announcements")
        assert shows(dispatcher.get("/staff/content/announcements"), messages.STAFF_ANNOUNCEMENT_ENDED), method
    deliver()
    assert mailbox.messages == [] and announcements(app)[0].emailed_at is None
    assert "announcement.email" not in audited(app)


def test_an_announcement_for_everyone_is_emailed_to_each_tenant_once_and_escaped(app, ivan, mailbox, deliver):
    tenant_of(app, "olga", "300101", address=SADOVAYA)
    make_account(app, "100109", premises="9", user_id=ivan)  # a second account: still one e-mail
    dispatcher = staff(app, "dispatcher")
    dispatcher.post("/staff/content/announcements/new", data=announcement_form(body=SCRIPT))
    [news] = announcements(app)
    dispatcher.post(f"/staff/content/announcements/{news.id}/email")
    deliver()
    assert sorted(m["To"] for m in mailbox.messages) == ["ivan@example.org", "olga@example.org"]
    html = html_of(mailbox.last("ivan@example.org"))
    assert SCRIPT not in html and "&lt;script&gt;" in html


def test_an_announcement_nobody_would_receive_stays_unsent(app):
    dispatcher = staff(app, "dispatcher")
    dispatcher.post("/staff/content/announcements/new", data=announcement_form())
    [news] = announcements(app)
    response = dispatcher.post(f"/staff/content/announcements/{news.id}/email", follow_redirects=True)
    assert shows(response, messages.STAFF_ANNOUNCEMENT_NOBODY)
    assert announcements(app)[0].emailed_at is None
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.id)) is None


# --- who may open what ------------------------------------------------------------------------------------------


@pytest.fixture
def rows(app, ivan):
    """An entry, a feedback message and an announcement of the default organization: the URLs that name them."""
    entry_id = write(app, ivan)
    feedback_id = add_feedback(app, "Анна", "Текст")
    with app.app_context():
        news = Announcement(organization_id=default_organization().id, title="Т", body="…", published_on=YESTERDAY)
        db.session.add(news)
        db.session.commit()
        news_id = news.id
    return {
        "book": [("GET", "/staff/content/book"), ("GET", f"/staff/content/book/{entry_id}"),
                 ("POST", f"/staff/content/book/{entry_id}"), ("POST", f"/staff/content/book/{entry_id}/publish"),
                 ("POST", f"/staff/content/book/{entry_id}/unpublish"), ("GET", "/staff/content/feedback"),
                 ("POST", f"/staff/content/feedback/{feedback_id}/done"),
                 ("POST", f"/staff/content/feedback/{feedback_id}/reopen")],
        "announcements": [("GET", "/staff/content/announcements"), ("GET", "/staff/content/announcements/new"),
                          ("POST", "/staff/content/announcements/new"),
                          ("GET", f"/staff/content/announcements/{news_id}"),
                          ("POST", f"/staff/content/announcements/{news_id}"),
                          ("GET", f"/staff/content/announcements/{news_id}/email"),
                          ("POST", f"/staff/content/announcements/{news_id}/email"),
                          ("POST", f"/staff/content/announcements/{news_id}/delete")],
    }  # fmt: skip


def answers(client, routes) -> list[int]:
    return [client.open(url, method=method, data={}).status_code for method, url in routes]


def test_each_role_gets_what_it_may_open(app, rows):
    for role in ("admin", "dispatcher", "accountant"):
        make_staff(app, role)
    admin, dispatcher, accountant = (logged_in(app, role) for role in ("admin", "dispatcher", "accountant"))
    for client in (admin, dispatcher):
        assert all(status in (200, 302) for status in answers(client, rows["book"])), answers(client, rows["book"])
    assert set(answers(accountant, rows["book"])) == {403}
    *changing, delete = rows["announcements"]
    for client in (admin, dispatcher, accountant):
        assert all(status in (200, 302) for status in answers(client, changing)), answers(client, changing)
    assert answers(accountant, [delete]) == [302] and announcements(app) == []


def test_a_tenant_gets_not_found_and_a_visitor_the_login_page(app, rows):
    tenant = logged_in(app, "ivan")
    visitor = app.test_client()
    for method, url in rows["book"] + rows["announcements"]:
        assert tenant.open(url, method=method, data={}).status_code == 404, url
        response = visitor.open(url, method=method, data={})
        assert response.status_code == 302 and response.location.startswith("/auth/login"), url


def test_the_staff_of_another_organization_do_not_find_these_rows(app, rows):
    klen = other_organization(app)
    make_user(app, login="klen", email="klen@staff.example.org", role="admin", organization_id=klen)
    stranger = logged_in(app, "klen")
    named = [(method, url) for method, url in rows["book"] + rows["announcements"] if re.search(r"/\d+", url)]
    assert set(answers(stranger, named)) == {404}
    for url in ("/staff/content/book", "/staff/content/feedback", "/staff/content/announcements"):
        html = page(stranger.get(url))
        assert "Шумят соседи" not in html and "Анна" not in html and 'data-test="announcement"' not in html
    with app.app_context():
        assert db.session.scalar(select(BookEntry.answered_at)) is None
        assert db.session.scalar(select(Feedback.state)) == "new"
    assert len(announcements(app)) == 1


def test_announcement_buildings_of_another_organization_are_refused(app, ivan):
    klen = other_organization(app)
    with app.app_context():
        foreign = db.session.scalar(select(Building.id).where(Building.organization_id == klen))
    response = staff(app, "dispatcher").post(
        "/staff/content/announcements/new", data=announcement_form(buildings=[foreign])
    )
    assert "Выберите дома из списка." in page(response) and announcements(app) == []


# --- bounded queries --------------------------------------------------------------------------------------------


def fill(app, ivan, count):
    for n in range(count):
        write(app, ivan, subject=f"Запись {n}", text=f"Текст {n}")
        add_feedback(app, f"Автор {n}", f"Сообщение {n}")
    with app.app_context():
        buildings = list(db.session.scalars(select(Building)))
        organization = db.session.get(Organization, default_organization().id)
        for n in range(count):
            news = Announcement(organization_id=organization.id, title=f"№{n}", body="…", published_on=YESTERDAY)
            news.buildings = buildings[: n % 2 + 1]
            db.session.add(news)
        db.session.commit()


def test_the_lists_run_a_bounded_number_of_queries(app, ivan):
    tenant_of(app, "olga", "300101", address=SADOVAYA)
    dispatcher = staff(app, "dispatcher")
    urls = ("/staff/content/book", "/staff/content/feedback", "/staff/content/announcements")
    counts = {}
    for added in (2, 38):  # 2 rows of each, then 40
        fill(app, ivan, added)
        for url in urls:
            with queries(app) as counted:
                assert dispatcher.get(url).status_code == 200
            counts.setdefault(url, []).append(counted.count)
    for url, (few, many) in counts.items():
        assert many == few, f"{url}: {few} queries for 2 rows, {many} for 40"
        assert few <= 12, url
