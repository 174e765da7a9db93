"""What the tenants hear of a request: a dispatcher's comment without a status change, and the e-mails of a request
taken by phone, which go to the account's tenants with a confirmed e-mail."""

import pytest
from sqlalchemy import func, select

from kabinet import messages
from kabinet.clock import utcnow
from kabinet.dispatch import services as dispatch
from kabinet.extensions import db
from kabinet.models import Account, AccountBinding, DispatchEvent, DispatchRequest, User
from tests import test_staff_dispatch as staff
from tests.conftest import audited, logged_in, make_user, page, shows, text_of
from tests.factories import make_account

dispatcher, stranger, file = staff.dispatcher, staff.stranger, staff.file
COMMENT = "Сантехник придёт завтра с 10:00 до 12:00, перекройте, пожалуйста, стояк."


def filed_by(app, user_id, account_id) -> int:
    """A request the tenant filed in the cabinet; its number."""
    with app.app_context():
        filed, _ = dispatch.create(db.session.get(User, user_id), db.session.get(Account, account_id), category="leak",
                                   description="Течёт кран", location="", contact_phone="+79123456789")  # fmt: skip
        return filed.id


def by_phone(dispatcher, form) -> int:
    """A request the dispatcher takes by phone through the form; its number."""
    response = dispatcher.post("/staff/dispatch/new", data={"category": "leak", "description": "Течёт стояк",
                                                            "contact_phone": "+79123456780", **form})  # fmt: skip
    assert response.status_code == 302
    return int(response.location.rsplit("/", 1)[1])


def history(app, number) -> list[tuple]:
    with app.app_context():
        return [(e.author, e.status, e.text) for e in db.session.get(DispatchRequest, number).events]


# --- a comment without a status change -----------------------------------------------------------------------------


def test_a_dispatchers_comment_keeps_the_status_and_reaches_the_tenant(app, dispatcher, user, mailbox, deliver):
    number = filed_by(app, user, make_account(app, "100101", user_id=user))
    shown = page(dispatcher.get(f"/staff/dispatch/{number}"))
    assert "Комментарий без смены статуса" in shown and f'action="/staff/dispatch/{number}/comment"' in shown

    response = dispatcher.post(f"/staff/dispatch/{number}/comment", data={"text": COMMENT})

    assert response.location == f"/staff/dispatch/{number}"
    after = dispatcher.get(response.location)
    assert shows(after, messages.STAFF_DISPATCH_COMMENTED.text % {"count": 1})
    assert COMMENT in page(after) and "Новая" in page(after)
    assert history(app, number)[-1] == ("staff", None, COMMENT)
    with app.app_context():
        assert db.session.get(DispatchRequest, number).status == "new"
    assert len(audited(app, "dispatch.comment")) == 1
    deliver()
    mail = mailbox.last("ivan@example.org")
    assert mail["Subject"] == f"УК «Наш дом»: Заявка № {number} — комментарий диспетчера"
    assert COMMENT in text_of(mail) and f"http://localhost/dispatch/{number}" in text_of(mail)
    tenant_page = page(logged_in(app, "ivan").get(f"/dispatch/{number}"))
    assert COMMENT in tenant_page and "Диспетчерская служба" in tenant_page


@pytest.mark.parametrize(
    ("text", "error"),
    [("", "Напишите комментарий."), ("   ", "Напишите комментарий."), ("к" * 2001, "Не длиннее 2000 символов.")],
)
def test_an_empty_or_long_comment_is_explained_beside_the_field_and_kept(app, dispatcher, user, mailbox, text, error):
    number = filed_by(app, user, make_account(app, "100101", user_id=user))
    response = dispatcher.post(f"/staff/dispatch/{number}/comment", data={"text": text})
    assert response.status_code == 200
    shown = page(response)
    assert error in shown and 'id="text-errors"' in shown
    assert text.strip() in shown
    assert len(history(app, number)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DispatchEvent)) == 1


def test_another_organizations_request_takes_no_comment(app, dispatcher, stranger):
    theirs = stranger["request"]
    assert dispatcher.post(f"/staff/dispatch/{theirs}/comment", data={"text": COMMENT}).status_code == 404
    assert len(history(app, theirs)) == 1


# --- a request taken by phone: e-mails to the account's tenants ----------------------------------------------------


@pytest.fixture
def household(app):
    """Account 100101 with four tenants bound: two confirmed, one unconfirmed, one blocked."""
    people = {
        "ivan": make_user(app),
        "maria": make_user(app, login="maria", email="maria@example.org", first_name="Мария"),
        "new": make_user(app, login="newbie", email="newbie@example.org", confirmed=False),
        "blocked": make_user(app, login="blocked", email="blocked@example.org", blocked_at=utcnow()),
    }
    account = make_account(app, "100101", user_id=people["ivan"])
    with app.app_context():
        for who in ("maria", "new", "blocked"):
            db.session.add(AccountBinding(user_id=people[who], account_id=account, role="resident", method="address"))
        db.session.commit()
    return account


def test_a_phone_requests_news_reach_the_accounts_tenants_with_a_confirmed_email(app, dispatcher, household,
                                                                                 mailbox, deliver):  # fmt: skip
    number = by_phone(dispatcher, {"account_number": "100101"})

    changed = dispatcher.post(f"/staff/dispatch/{number}/status", data={"status": "in_progress", "comment": "Едем"})
    assert shows(dispatcher.get(changed.location),
                 messages.STAFF_DISPATCH_STATUS_CHANGED.text % {"number": number, "status": "В работе"})  # fmt: skip
    commented = dispatcher.post(f"/staff/dispatch/{number}/comment", data={"text": COMMENT})
    assert shows(dispatcher.get(commented.location), messages.STAFF_DISPATCH_COMMENTED.text % {"count": 2})

    deliver()
    for address, name in (("ivan@example.org", "Иван"), ("maria@example.org", "Мария")):
        status, comment = mailbox.to(address)
        assert status["Subject"] == f"УК «Наш дом»: Заявка № {number} — В работе"
        assert f"Здравствуйте, {name}!" in text_of(status) and "Комментарий диспетчера: Едем" in text_of(status)
        assert COMMENT in text_of(comment)
    assert mailbox.to("newbie@example.org") == [] and mailbox.to("blocked@example.org") == []


def test_a_phone_request_for_a_common_area_says_nobody_is_emailed(app, dispatcher, mailbox, deliver):
    make_account(app, "100101")
    with app.app_context():
        building = db.session.scalar(select(Account.building_id))
    number = by_phone(dispatcher, {"building": building, "location": "подъезд 2"})

    changed = dispatcher.post(f"/staff/dispatch/{number}/status", data={"status": "done"}, follow_redirects=True)
    assert shows(changed, messages.STAFF_DISPATCH_STATUS_SET.text % {"number": number, "status": "Выполнена"})
    assert not shows(changed, messages.STAFF_DISPATCH_STATUS_CHANGED.text % {"number": number, "status": "Выполнена"})
    commented = dispatcher.post(f"/staff/dispatch/{number}/comment", data={"text": COMMENT}, follow_redirects=True)
    assert shows(commented, messages.STAFF_DISPATCH_COMMENT_SAVED)
    assert deliver().sent == 0
