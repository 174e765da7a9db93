"""Health and status: `/healthz` for the load balancer, and the admin's «Состояние системы» against real rows."""

import itertools
import platform
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from kabinet import create_app, messages
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.health import migration_heads
from kabinet.models import OutboxMessage, User, WorkerHeartbeat
from kabinet.outbox import deliver_due
from kabinet.staff.status import services
from tests.conftest import audited, logged_in, page, shows
from tests.factories import make_staff, other_organization
from tests.servers import csrf_token
from tests.test_registration import register
from tests.test_worker import queue_letters

BATCHES = itertools.count()

# --- /healthz --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["localhost", "10.0.0.7:8000"], ids=["the site's host", "the balancer's probe"])
def test_healthz_says_ok_whatever_the_host_and_sets_no_cookie(client, host):
    response = client.get("/healthz", headers={"Host": host})
    assert (response.status_code, response.data) == (200, b"ok\n")
    assert "Set-Cookie" not in response.headers and response.headers["Cache-Control"] == "no-store"
    assert client.head("/healthz").status_code == 200


def test_healthz_is_not_rate_limited(make_app):
    client = make_app(RATELIMIT_ENABLED=True).test_client()
    assert {client.get("/healthz").status_code for _ in range(50)} == {200}


def test_healthz_answers_503_without_details_when_the_migrations_are_behind(app, client):
    with app.app_context():
        [head] = db.session.scalars(text("SELECT version_num FROM alembic_version")).all()
        db.session.execute(text("UPDATE alembic_version SET version_num = 'cba9f216f67d'"))
        db.session.commit()
    try:
        response = client.get("/healthz")
    finally:
        with app.app_context():
            db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
            db.session.commit()
    assert (response.status_code, response.data) == (503, b"unavailable\n")
    assert client.get("/healthz").status_code == 200


def test_healthz_answers_503_when_the_database_does_not(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/folder/kabinet.sqlite"})
    response = app.test_client().get("/healthz")
    assert (response.status_code, response.data) == (503, b"unavailable\n")  # no error text, no path, no version


# --- «Состояние системы» -------------------------------------------------------------------------------------------


@pytest.fixture
def admin(app):
    make_staff(app, "admin")
    return logged_in(app, "admin")


def queued(app, count: int, **row) -> list[int]:
    """Queue `count` e-mails and set their columns to `row`; their ids."""
    addresses = queue_letters(app, count, to=f"t{len(row)}-{next(BATCHES)}-")
    with app.app_context():
        ids = db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.recipient.in_(addresses))).all()
        if row:
            db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(**row))
            db.session.commit()
        return ids


def data(html: str, name: str) -> str:
    """The text of the element with data-test=name."""
    found = re.search(rf'data-test="{name}"[^>]*>(.*?)</', html, re.S)
    assert found, name
    return found.group(1).strip()


def test_the_page_counts_the_outbox_as_the_database_holds_it(app, admin):
    queued(app, 2)
    queued(app, 1, attempts=3, last_error="SMTPServerDisconnected: Connection unexpectedly closed")
    queued(app, 1, sent_at=utcnow())
    failed = queued(app, 2, attempts=12, failed_at=utcnow(), last_error="SMTPRecipientsRefused: 550 no such user")
    html = page(admin.get("/staff/status/"))
    assert (data(html, "waiting"), data(html, "retrying"), data(html, "failed")) == ("3", "1", "2")
    assert html.count("SMTPRecipientsRefused: 550 no such user") == 2
    assert all(f'data-test="failure-{n}"' in html for n in failed)


def test_a_mailbox_the_server_says_is_not_there_shows_as_failed_with_its_reply(app, admin, mailbox):
    # Through the real SMTP server: refused for good, given up in one round, and the admin reads the server's words.
    [address] = queue_letters(app, 1, to="gone")
    mailbox.refuse(address, "550 5.1.1 No such mailbox")
    with app.app_context():
        assert deliver_due().failed == 1
    html = page(admin.get("/staff/status/"))
    assert (data(html, "waiting"), data(html, "failed")) == ("0", "1")
    assert "550 5.1.1 No such mailbox" in html


def test_retry_sends_a_failed_message_and_is_audited(app, admin, mailbox):
    register(app.test_client())
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(attempts=12, failed_at=utcnow(), last_error="Timeout"))
        db.session.commit()
        [message_id] = db.session.scalars(select(OutboxMessage.id)).all()
    response = admin.post(f"/staff/status/retry/{message_id}")
    assert shows(admin.get(response.location), messages.OUTBOX_RETRIED.text % {"recipient": "Ivan.Petrov@example.org"})
    with app.app_context():
        assert deliver_due().sent == 1
    assert len(mailbox.to("Ivan.Petrov@example.org")) == 1
    assert audited(app, "status.retry")[0].details == "Ivan.Petrov@example.org"
    again = admin.post(f"/staff/status/retry/{message_id}")  # a second click: nothing left to retry
    assert shows(admin.get(again.location), messages.OUTBOX_NOTHING_TO_RETRY)


def test_retry_all_sends_every_failed_message(app, admin, mailbox):
    queued(app, 3, attempts=12, failed_at=utcnow())
    response = admin.post("/staff/status/retry")
    assert shows(admin.get(response.location), messages.OUTBOX_RETRIED_ALL.text % {"count": 3})
    with app.app_context():
        assert deliver_due().sent == 3
    assert len(mailbox.messages) == 3 and audited(app, "status.retry_all")[0].details == "3"
    assert data(page(admin.get("/staff/status/")), "failed") == "0"


def test_retry_needs_the_forms_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    make_staff(app, "admin")
    client = app.test_client()
    login_page = page(client.get("/auth/login"))
    token = csrf_token(login_page)
    client.post("/auth/login", data={"login": "admin", "password": "Zelenaya-Lampa-42", "csrf_token": token})
    [message_id] = queued(app, 1, attempts=12, failed_at=utcnow())
    client.post(f"/staff/status/retry/{message_id}")
    client.post("/staff/status/retry")
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).failed_at is not None  # not retried without the token
    assert audited(app, "status.retry") == [] and audited(app, "status.retry_all") == []


def test_retry_of_an_unknown_message_is_404(admin):
    assert admin.post("/staff/status/retry/999999").status_code == 404


CALM = ("Работает: последний сигнал", "Запускается по расписанию")


@pytest.mark.parametrize(
    "heartbeat, once, warning",
    [
        (None, False, "ни разу не запускался"),
        (timedelta(minutes=5), False, "не работает: последний сигнал"),
        (timedelta(seconds=1), False, "Работает: последний сигнал"),
        (timedelta(minutes=5), True, "Запускается по расписанию"),  # cron's `--once` of five minutes ago
        (timedelta(minutes=16), True, "не работает: последний сигнал"),  # cron has stopped running it
    ],
    ids=["never ran", "stale", "alive", "by cron", "cron stopped"],
)
def test_the_page_shows_the_workers_heartbeat_and_warns_when_it_is_missing(app, admin, heartbeat, once, warning):
    if heartbeat is not None:
        with app.app_context():
            beat_at = utcnow() - heartbeat
            db.session.add(WorkerHeartbeat(holder="worker-1:10:20", host="worker-1", pid=10, beat_at=beat_at,
                                           stopped_at=beat_at if once else None, once=once))  # fmt: skip
            db.session.commit()
    html = page(admin.get("/staff/status/"))
    assert warning in data(html, "worker-state")
    assert ('role="alert" data-test="worker-state"' in html) is (warning not in CALM)


def test_after_a_once_run_the_page_says_the_worker_runs_by_schedule_not_that_it_stopped(app, admin):
    """`flask --app wsgi worker --once`, as cron runs it every minute: its clean stop after the round is no outage."""
    assert app.test_cli_runner().invoke(args=["worker", "--once"]).exit_code == 0
    html = page(admin.get("/staff/status/"))
    state = data(html, "worker-state")
    assert state.startswith("Запускается по расписанию («flask --app wsgi worker --once», например из cron): "
                            "последний проход ")  # fmt: skip
    assert 'role="alert" data-test="worker-state"' not in html


def test_the_page_shows_the_database_size_and_the_versions(app, admin):
    html = page(admin.get("/staff/status/"))
    with app.app_context():
        size = services.database_size()
        if db.engine.dialect.name == "postgresql":
            assert size == db.session.scalar(text("SELECT pg_database_size(current_database())"))
        else:
            from pathlib import Path

            assert size >= Path(db.engine.url.database).stat().st_size > 0
    assert data(html, "database-size") == f"{size / 1048576:.1f} МБ".replace(".", ",")  # as Russian writes it
    assert platform.python_version() in html
    [head] = migration_heads()
    assert data(html, "migrations") == head  # at head: no warning beside it
    assert "сведений о резервных копиях нет" in data(html, "backup")


def test_the_admin_finds_the_page_in_the_menu_and_others_do_not(app, admin):
    assert 'href="/staff/status/"' in page(admin.get("/staff/"))
    make_staff(app, "dispatcher")
    assert 'href="/staff/status/"' not in page(logged_in(app, "dispatcher").get("/staff/"))


def test_an_admin_of_another_organization_gets_404(app):
    other = other_organization(app)
    make_staff(app, "admin", login="klen")
    with app.app_context():
        db.session.execute(update(User).where(User.login == "klen").values(organization_id=other))
        db.session.commit()
    client = logged_in(app, "klen")
    assert client.get("/staff/status/").status_code == 404
    assert client.post("/staff/status/retry").status_code == 404
