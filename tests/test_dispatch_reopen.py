"""A tenant unhappy with the work sends a done request back within DISPATCH_REOPEN_DAYS, saying why; it returns to the
queue, where the dispatcher reads the reason."""

import re
from datetime import timedelta

import pytest
from flask_babel import format_datetime
from sqlalchemy import select, update

from kabinet import messages
from kabinet.clock import utcnow
from kabinet.dispatch import services
from kabinet.extensions import db
from kabinet.models import DispatchEvent, DispatchRequest, User
from tests.conftest import logged_in, make_user, page, shows
from tests.factories import make_account, make_staff
from tests.test_dispatch import file_request

REASON = "Кран снова течёт, вода на полу в ванной."


@pytest.fixture
def ivan(app, user):
    """Ivan, logged in, with account 100101 and one request the dispatcher finished: (client, request number)."""
    account = make_account(app, "100101", user_id=user)
    number = file_request(app, user, account)
    finish(app, number)
    return logged_in(app, "ivan"), number


def finish(app, number, days_ago=0.0):
    """The staff mark the request done, `days_ago` days ago."""
    with app.app_context():
        filed = db.session.get(DispatchRequest, number)
        services.change_status(filed, "done", "Заменили прокладку", None)
        db.session.execute(
            update(DispatchEvent)
            .where(DispatchEvent.request_id == number, DispatchEvent.status == "done")
            .values(created_at=utcnow() - timedelta(days=days_ago))
        )
        db.session.commit()


def reopen(client, number, reason=REASON, **kwargs):
    return client.post(f"/dispatch/{number}/reopen", data={"reason": reason}, **kwargs)


def stored(app, number) -> DispatchRequest:
    with app.app_context():
        filed = db.session.get(DispatchRequest, number)
        db.session.expunge(filed)
        return filed


def test_a_done_request_goes_back_to_the_queue_with_the_tenants_reason(app, ivan):
    client, number = ivan
    filed = stored(app, number)
    taken = file_request(app, filed.user_id, filed.account_id, description="Нет света")
    with app.app_context():
        services.change_status(db.session.get(DispatchRequest, taken), "in_progress", "", None)
    newer = file_request(app, filed.user_id, filed.account_id, description="Нет воды")
    shown = page(client.get(f"/dispatch/{number}"))
    assert 'data-test="reopen"' in shown and "Вернуть в работу" in shown
    assert 'data-test="due"' not in shown  # done: no deadline to meet

    response = reopen(client, number)

    assert response.location == f"/dispatch/{number}"
    after = client.get(response.location)
    assert shows(after, messages.DISPATCH_REOPENED.text % {"number": number})
    assert re.search(r'data-test="status">Возобновлена<', page(after)) and REASON in page(after)
    assert 'data-test="due"' in page(after) and 'data-test="reopen"' not in page(after)
    filed = stored(app, number)
    assert (filed.status, filed.reopened_at is not None) == ("reopened", True)
    with app.app_context():
        events = db.session.scalars(select(DispatchEvent).where(DispatchEvent.request_id == number)).all()
        assert [(e.author, e.status, e.text) for e in events][-1] == ("tenant", "reopened", REASON)

    make_staff(app, "dispatcher")
    desk = logged_in(app, "dispatcher")
    queue = page(desk.get("/staff/dispatch/"))
    # Waiting for a dispatcher again, like a new one: before the one in progress.
    assert re.findall(r'data-test="request" data-id="(\d+)"', queue) == [str(number), str(newer), str(taken)]
    assert "новых: 2" in queue
    request_page = page(desk.get(f"/staff/dispatch/{number}"))
    assert "Житель вернул заявку в работу:" in request_page and REASON in request_page
    assert re.search(r'<option selected value="in_progress">', request_page)
    assert 'value="reopened"' not in request_page  # only the tenant sends a request back
    with app.app_context(), pytest.raises(ValueError):
        services.change_status(db.session.get(DispatchRequest, taken), "reopened", "", None)


def test_sending_back_needs_a_reason(app, ivan):
    client, number = ivan
    response = reopen(client, number, reason="  ")
    assert response.status_code == 200
    shown = page(response)
    assert "Напишите, что не сделано или сделано плохо." in shown and 'id="reason-errors"' in shown
    assert '<details class="mb-4" data-test="reopen" open>' in shown  # the form is open where the error is
    assert stored(app, number).status == "done"


def test_too_late_the_reason_waits_in_the_comment_form(app, user):
    account = make_account(app, "100101", user_id=user)
    number = file_request(app, user, account)
    finish(app, number, days_ago=3.01)
    client = logged_in(app, "ivan")
    assert 'data-test="reopen"' not in page(client.get(f"/dispatch/{number}"))

    response = reopen(client, number)

    assert response.status_code == 200
    with app.test_request_context():
        until = format_datetime(services.reopen_until(db.session.get(DispatchRequest, number)), "short")
    assert shows(response, messages.DISPATCH_REOPEN_TOO_LATE.text % {"until": until})
    assert re.search(rf'<textarea[^>]*name="text"[^>]*>\s*{REASON}</textarea>', page(response))
    assert stored(app, number).status == "done"


def test_the_window_is_the_configured_days_after_the_work_was_done(make_app):
    app = make_app(DISPATCH_REOPEN_DAYS=1)
    user = make_user(app)
    number = file_request(app, user, make_account(app, "100101", user_id=user))
    finish(app, number)
    with app.app_context():
        filed = db.session.get(DispatchRequest, number)
        done_at = filed.events[-1].created_at
        assert services.reopen_until(filed) == done_at + timedelta(days=1)
        assert services.can_reopen(filed, now=done_at + timedelta(hours=23))
        assert not services.reopen(filed, db.session.get(User, user), REASON, now=done_at + timedelta(hours=25))
        assert services.reopen(filed, db.session.get(User, user), REASON, now=done_at + timedelta(hours=23))


def test_a_request_not_done_cannot_be_sent_back_and_the_text_is_kept(app, user):
    number = file_request(app, user, make_account(app, "100101", user_id=user))
    client = logged_in(app, "ivan")
    response = reopen(client, number)
    assert response.status_code == 200 and shows(response, messages.DISPATCH_REOPEN_NOT_DONE)
    assert REASON in page(response)
    assert stored(app, number).status == "new"


def test_another_tenants_request_is_not_found(app, ivan):
    _, number = ivan
    make_user(app, login="petr", email="petr@example.org")
    assert reopen(logged_in(app, "petr"), number).status_code == 404
    assert stored(app, number).status == "done"


def test_two_clicks_send_it_back_once(app, ivan):
    client, number = ivan
    assert reopen(client, number).status_code == 302
    again = reopen(client, number, follow_redirects=True)
    assert shows(again, messages.DISPATCH_ALREADY_REOPENED)
    # Two at once: the second read the request while it was still done; the database lets one through.
    finish(app, number)
    with app.app_context():
        filed = db.session.get(DispatchRequest, number)
        assert filed.status == "done" and services.can_reopen(filed)
        with db.engine.begin() as other:  # the first click, committed meanwhile
            other.execute(update(DispatchRequest).where(DispatchRequest.id == number).values(status="reopened"))
        assert not services.reopen(filed, db.session.get(User, filed.user_id), REASON)
    with app.app_context():
        reopened = db.session.scalars(
            select(DispatchEvent).where(DispatchEvent.request_id == number, DispatchEvent.status == "reopened")
        ).all()
        assert len(reopened) == 1


def test_the_rating_is_withdrawn_but_kept_in_the_history_and_the_redone_work_is_rated(app, ivan):
    client, number = ivan
    client.post(f"/dispatch/{number}/rate", data={"rating": "2", "comment": "Не починили"})
    assert stored(app, number).rating == 2

    shown = page(reopen(client, number, follow_redirects=True))

    filed = stored(app, number)
    assert (filed.rating, filed.rating_comment, filed.rated_at) == (None, "", None)
    assert "Оценка: <span" in shown and "2 из 5 — «Плохо»" in shown and "Не починили" in shown
    finish(app, number)
    client.post(f"/dispatch/{number}/rate", data={"rating": "5"})
    assert stored(app, number).rating == 5
