"""One-click unsubscribe (RFC 8058, issue 13): the headers a notification carries, the link's page without a login,
the mail client's POST without a session or CSRF token, and links that are forged, outdated or expired."""

import time
from datetime import date

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from kabinet.extensions import db
from kabinet.models import User
from kabinet.notifications import jobs, wants
from kabinet.notifications.email import LINK_LIVES, unsubscribe_token
from kabinet.notifications.services import choose
from tests.conftest import html_of, links_in, make_user, page, text_of
from tests.factories import make_account, make_meter


@pytest.fixture
def reminded(app, mailbox, deliver):
    """ivan got the window-opening reminder; the e-mail as the SMTP server received it."""
    user_id = make_user(app)
    make_meter(app, make_account(app, user_id=user_id))
    with app.app_context():
        jobs.readings_open(today_of=lambda zone: date(2026, 11, 10))
    deliver()
    return mailbox.last("ivan@example.org")


def wanted(app, kind: str, channel: str = "email") -> bool:
    with app.app_context():
        return wants(db.session.scalar(select(User).where(User.login == "ivan")), kind, channel)


def path_of(link: str) -> str:
    return link.removeprefix("http://localhost")


def test_a_notification_carries_the_one_click_headers_and_a_footer_link(reminded):
    header = reminded["List-Unsubscribe"]
    assert header.startswith("<http://localhost/notifications/unsubscribe/") and header.endswith(">")
    assert reminded["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert links_in(reminded)[-1] == header[1:-1] and "Чтобы больше не получать такие письма" in text_of(reminded)
    assert f'href="{header[1:-1]}"' in html_of(reminded) and "Отписаться от таких писем" in html_of(reminded)


def test_a_password_reset_has_no_unsubscribe(app, client, user, mailbox, deliver):
    client.post("/recovery/", data={"login": "ivan@example.org"})
    deliver()
    reset = mailbox.last("ivan@example.org")
    assert reset["List-Unsubscribe"] is None and reset["List-Unsubscribe-Post"] is None
    assert "/notifications/unsubscribe/" not in text_of(reset)


def test_the_link_asks_first_and_changes_nothing(app, client, reminded):
    response = client.get(path_of(links_in(reminded)[-1]))
    assert response.status_code == 200 and 'data-test="unsubscribe-confirm"' in page(response)
    assert "Открыт приём показаний счётчиков" in page(response) and "ivan@example.org" in page(response)
    assert wanted(app, "readings_open")


def test_the_mail_clients_post_turns_off_that_kind_for_e_mail_only(make_app, mailbox, deliver):
    app = make_app(WTF_CSRF_ENABLED=True)  # as in production: every other form needs its token
    user_id = make_user(app)
    with app.app_context():
        choose(db.session.get(User, user_id), {("debt", "email"): False})
        db.session.commit()
        token = unsubscribe_token(db.session.get(User, user_id), "readings_open")
    link = f"/notifications/unsubscribe/{token}"
    client = app.test_client()
    assert client.post("/profile/notifications", data={}).status_code == 400  # CSRF is on
    response = client.post(link, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and 'data-test="unsubscribe-done"' in page(response)
    assert not wanted(app, "readings_open") and wanted(app, "readings_open", "telegram")
    assert wanted(app, "readings_closing") and not wanted(app, "debt")  # the other choices as they were
    assert client.post(link).status_code == 200  # a second click is no error


def test_the_button_on_the_page_does_the_same(app, client, reminded):
    link = path_of(links_in(reminded)[-1])
    assert f'action="{link}"' in page(client.get(link))
    client.post(link)
    assert not wanted(app, "readings_open")


@pytest.mark.parametrize("spoil", [lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), lambda t: "nonsense"])
def test_a_forged_link_changes_nothing(app, client, reminded, spoil):
    link = path_of(links_in(reminded)[-1])
    token = link.rsplit("/", 1)[1]
    response = client.post(link.replace(token, spoil(token)))
    assert response.status_code == 404 and 'data-test="unsubscribe-invalid"' in page(response)
    assert wanted(app, "readings_open")


def test_a_link_sent_to_an_address_the_user_has_left_changes_nothing(app, client, reminded):
    link = path_of(links_in(reminded)[-1])
    with app.app_context():
        db.session.scalar(select(User)).email = "ivan.new@example.org"
        db.session.commit()
    assert client.post(link).status_code == 404 and wanted(app, "readings_open")


def test_an_expired_link_is_told_apart(app, client, user, monkeypatch):
    made = time.time() - LINK_LIVES.total_seconds() - 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(made))
    with app.app_context():
        token = unsubscribe_token(db.session.get(User, user), "readings_open")
    monkeypatch.undo()
    response = client.post(f"/notifications/unsubscribe/{token}")
    assert response.status_code == 410 and 'data-test="unsubscribe-expired"' in page(response)
    assert wanted(app, "readings_open")
