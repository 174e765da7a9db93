"""Two app servers over one PostgreSQL and one Redis, as docs/DEPLOY.md's «Несколько серверов приложения» sets them
up: whatever server a tenant's request lands on, it is the same site."""

import re
import time
from contextlib import ExitStack
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select

from kabinet.extensions import db
from kabinet.models import OutboxMessage
from tests.conftest import PASSWORD, make_user
from tests.factories import make_account
from tests.postgres import free_port
from tests.servers import ROOT, app_server, csrf_token, log_in, log_out, process, production_env, rendered, unit_service
from tests.servers import visitor as client_from

pytestmark = pytest.mark.postgresql_only  # several app servers share PostgreSQL, not a SQLite file
LOGIN_LIMIT = 4  # POSTs to the login form from one address a minute, counted by both servers together


def shared(database_url: str, smtp_port: int) -> dict[str, str]:
    """The settings file every server of the site has alike."""
    return {
        "SECRET_KEY": "two-servers-secret",
        "DATABASE_URL": database_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
    }


@pytest.fixture(scope="module")
def servers(schema, smtp_server, redis_url, tmp_path_factory):
    """Servers A and B: each with its own instance folder, as on two machines; one database, one Redis, one
    BASE_URL (the load balancer's address); the addresses of both."""
    ports = free_port(), free_port()
    settings = {
        **shared(schema, smtp_server[1]),
        "BASE_URL": f"http://127.0.0.1:{ports[0]}",
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_LOGIN": f"{LOGIN_LIMIT}/minute",
    }
    with ExitStack() as running:
        for port in ports:
            folder = tmp_path_factory.mktemp("server")
            upstream = f"127.0.0.1:{port}"
            running.enter_context(
                app_server(upstream, log=folder / "log", host="127.0.0.1", KABINET_INSTANCE=str(folder), **settings)
            )
        yield [f"http://127.0.0.1:{port}" for port in ports]


@pytest.fixture(scope="module")
def visitor():
    """A new visitor from an address of its own: the servers' rate limits count per address, across the tests too."""
    addresses = iter(f"127.0.1.{n}" for n in range(1, 255))
    return lambda: client_from(next(addresses))


def test_a_tenant_logged_in_on_one_server_is_recognised_on_the_other(app, servers, visitor):
    make_user(app)
    a, b = servers
    browser = visitor()
    assert log_in(browser, a, "ivan", PASSWORD).status_code == 302
    cabinet = browser.get(f"{b}/cabinet/", allow_redirects=False)
    assert cabinet.status_code == 200 and "Иван" in cabinet.text


def test_logout_on_one_server_ends_the_session_on_both(app, servers, visitor):
    make_user(app)
    a, b = servers
    browser = visitor()
    assert log_in(browser, a, "ivan", PASSWORD).status_code == 302
    copy = visitor()
    copy.cookies.update(browser.cookies)  # a copy of the cookies, taken before the logout
    assert log_out(browser, b).headers["Location"] == "/auth/login"
    for server in servers:
        refused = copy.get(f"{server}/cabinet/", allow_redirects=False)
        assert refused.status_code == 302 and refused.headers["Location"].startswith("/auth/login")


def test_the_login_limit_counts_the_posts_to_both_servers(app, servers):
    make_user(app)
    a, b = servers
    address = "127.0.2.1"  # one address for all: each attempt a new browser, so a login does not end the count
    attempts = [log_in(client_from(address), server, "ivan", PASSWORD) for server in (a, b) * (LOGIN_LIMIT // 2)]
    assert [answer.status_code for answer in attempts] == [302] * LOGIN_LIMIT
    for server in servers:
        assert log_in(client_from(address), server, "ivan", PASSWORD).status_code == 429


def test_a_photo_uploaded_through_one_server_is_served_by_the_other(app, servers, visitor):
    account = make_account(app, "100101", user_id=make_user(app))
    a, b = servers
    browser = visitor()
    assert log_in(browser, a, "ivan", PASSWORD).status_code == 302
    form = browser.get(f"{a}/dispatch/new")
    photo = BytesIO()
    Image.new("RGB", (64, 48), "red").save(photo, "JPEG")
    filed = browser.post(
        f"{a}/dispatch/new",
        data={"csrf_token": csrf_token(form.text), "account": str(account), "category": "leak",
              "description": "Течёт стояк в ванной, вода на полу", "location": "г. Иркутск, ул. Ленина, д. 5, кв. 1",
              "contact_phone": "+7 912 345-67-89", "access_time": "после 18:00"},
        files=[("photos", ("IMG_0001.jpg", photo.getvalue(), "image/jpeg"))],
        allow_redirects=False,
    )  # fmt: skip
    assert filed.status_code == 302, filed.text[:2000]
    shown = browser.get(a + filed.headers["Location"])
    address = re.search(r"/dispatch/\d+/photos/\d+", shown.text).group(0)
    served = browser.get(b + address)
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
    assert served.content == browser.get(a + address).content


def test_the_outbox_is_delivered_once_with_a_worker_on_each_server(app, servers, mailbox, smtp_server, tmp_path):
    count = 20
    with app.app_context():
        db.session.add_all(
            OutboxMessage(recipient=f"tenant{n}@example.org", subject=f"Письмо {n}", body_text="Текст", body_html="")
            for n in range(count)
        )
        db.session.commit()
    command, unit_env, cwd = unit_service(rendered("systemd/kabinet-worker.service", DIR=str(ROOT)))
    settings = {**unit_env, **shared(app.config["SQLALCHEMY_DATABASE_URI"], smtp_server[1])}
    logs = [tmp_path / f"{name}.log" for name in "ab"]
    with ExitStack() as running:
        workers = [
            running.enter_context(
                process(command, env=production_env(**{**settings, "KABINET_INSTANCE": str(log.with_suffix(""))}),
                        cwd=cwd, log=log, ready=lambda: True)
            )
            for log in logs
        ]  # fmt: skip
        deadline = time.monotonic() + 90
        while _unsent(app) and time.monotonic() < deadline:
            time.sleep(0.2)
        # The workers are long-running: one that exited (a missing command, a crash) delivered nothing.
        assert all(worker.poll() is None for worker in workers), [log.read_text() for log in logs]
    assert _unsent(app) == 0
    assert sorted(m["To"] for m in mailbox.messages) == sorted(f"tenant{n}@example.org" for n in range(count))


def _unsent(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None)))
