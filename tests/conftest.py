"""Fixtures: a fresh database per test (SQLite, or a PostgreSQL cluster the run starts), a real SMTP server, users."""

import email
import email.policy
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ["KABINET_ENV"] = "test"
# A folder of its own for each process of the run (uploads, photos, the file outbox): with pytest-xdist the workers
# would otherwise inherit the controller's one and sweep each other's files.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
os.environ["KABINET_INSTANCE"] = tempfile.mkdtemp(prefix=f"kabinet-instance-{WORKER}-")

from aiosmtpd.controller import Controller  # noqa: E402
from jinja2 import BytecodeCache, Undefined  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from kabinet import create_app  # noqa: E402
from kabinet.clock import utcnow  # noqa: E402
from kabinet.extensions import db  # noqa: E402
from kabinet.models import User  # noqa: E402
from kabinet.outbox import deliver_due  # noqa: E402
from tests.postgres import free_port, postgres_cluster, postgres_installed  # noqa: E402

DATABASE = os.environ.get("KABINET_TEST_DB", "sqlite")
IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "Zelenaya-Lampa-42"


def pytest_collection_modifyitems(config, items):
    """Tests of what only one database can be (or what is the same over both) are left out of the other run, not
    skipped in it: with CI=true nothing skips."""
    elsewhere = "sqlite_only" if DATABASE == "postgresql" else "postgresql_only"
    other = [item for item in items if item.get_closest_marker(elsewhere)]
    if other:
        config.hook.pytest_deselected(items=other)
        items[:] = [item for item in items if not item.get_closest_marker(elsewhere)]


def require(condition: bool, why: str) -> None:
    """Skip a test whose system part is missing, with the reason; in CI nothing may skip, so fail instead."""
    if not condition:
        (pytest.fail if IN_CI else pytest.skip)(why)


# --- the database -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if DATABASE == "postgresql":
        require(
            postgres_installed(),
            "PostgreSQL is not installed (apt-get install postgresql; `make test` does it as root)",
        )
        with postgres_cluster() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'kabinet.sqlite'}"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A Redis of this test process's own (Debian's redis-server, nothing written to disk), for shared rate limits."""
    require(shutil.which("redis-server") is not None, "redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    log = tmp_path_factory.mktemp("redis") / "redis.log"
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--daemonize", "no"]
    with log.open("wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if server.poll() is not None:
                    pytest.fail(f"redis-server exited: {log.read_text()}")
                time.sleep(0.05)
        else:
            pytest.fail(f"redis-server did not answer: {log.read_text()}")
        yield f"redis://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def schema(database_url):
    """The schema, built by the migrations exactly as `flask db upgrade` builds it in production."""
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


@contextmanager
def database_of_its_own(database_url, directory, template=None):
    """A new database of the run's kind beside the shared one (a copy of `template`, another such database, when
    given), dropped afterwards."""
    if DATABASE != "postgresql":
        path = Path(directory) / f"own-{uuid.uuid4().hex[:12]}.sqlite"
        if template:
            shutil.copyfile(make_url(template).database, path)
        yield f"sqlite:///{path}"
        return
    import psycopg

    name = f"own_{uuid.uuid4().hex[:12]}"
    server = make_url(database_url).set(drivername="postgresql", database="postgres").render_as_string(False)
    copy = f" TEMPLATE {make_url(template).database}" if template else ""
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}{copy}")
    yield make_url(database_url).set(database=name).render_as_string(False)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def own_database(database_url, tmp_path):
    """An empty database for one test that builds or migrates a schema of its own (the migrations' tests)."""
    with database_of_its_own(database_url, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def migrated_template(database_url, tmp_path_factory):
    """A database built once by the migrations, which own_schema copies."""
    from flask_migrate import upgrade

    with database_of_its_own(database_url, tmp_path_factory.mktemp("template")) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            db.engine.dispose()  # PostgreSQL copies a database nobody is connected to
        yield url


@pytest.fixture
def own_schema(database_url, migrated_template, tmp_path):
    """A migrated database for one test that destroys or restores it (the backups' tests), copied in a moment."""
    with database_of_its_own(database_url, tmp_path, template=migrated_template) as url:
        yield url


def wipe(app):
    """Empty every table, so each test starts from a fresh database without rebuilding the schema."""
    with app.app_context():
        tables = [table.name for table in db.metadata.sorted_tables]
        if db.engine.dialect.name == "postgresql":
            # TRUNCATE takes ~80 ms whatever it empties (CASCADE reaches every table that names users): a DELETE of the
            # tables holding rows and a restart of the id sequences drawn from take a few.
            holding = (f"SELECT '{name}' FROM (SELECT FROM {name} LIMIT 1) AS any_row" for name in tables)
            filled = set(db.session.scalars(text(" UNION ALL ".join(holding))))
            for name in reversed(tables):
                if name in filled:
                    db.session.execute(text(f"DELETE FROM {name}"))
            drawn = "SELECT schemaname || '.' || sequencename FROM pg_sequences WHERE last_value IS NOT NULL"
            for sequence in db.session.scalars(text(drawn)).all():
                db.session.execute(text("SELECT setval(:sequence, 1, false)"), {"sequence": sequence})
        else:
            for name in reversed(tables):
                db.session.execute(text(f"DELETE FROM {name}"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


# --- the mail server --------------------------------------------------------------------------------------------


class Mailbox:
    """What a real SMTP server on 127.0.0.1 received, parsed as e-mail messages."""

    def __init__(self):
        self.messages = []
        self.refusals = {}  # recipient address: the server's reply to its RCPT TO, as "550 5.1.1 No such user"
        self.lock = threading.Lock()

    def refuse(self, address: str, reply: str) -> None:
        with self.lock:
            self.refusals[address] = reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            reply = self.refusals.get(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str):
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    def last(self, address: str):
        found = self.to(address)
        assert found, f"no e-mail to {address}; got {[m['To'] for m in self.messages]}"
        return found[-1]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def links_in(message) -> list[str]:
    return re.findall(r"https?://\S+", text_of(message))


@pytest.fixture(scope="session")
def smtp_server():
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture
def mailbox(smtp_server):
    box, _ = smtp_server
    with box.lock:
        box.messages.clear()
        box.refusals.clear()
    return box


# --- the app ----------------------------------------------------------------------------------------------------


class PrintingUndefinedFails(Undefined):
    """What a template gets for a name or attribute that is not there: in the tests, printing it fails the page.

    Jinja prints it as nothing, so a template asking an object for a field it does not carry (the header's `company`
    is an OrganizationShown on a reading page, not the ORM Organization) would show a blank, silently. Testing it
    (`{% if x %}`, `x is defined`, a default) stays allowed. A form's csrf_token is absent only because the tests turn
    CSRF off."""

    def __str__(self):
        if self._undefined_name == "csrf_token":
            return ""
        return self._fail_with_undefined_error()


class CompiledTemplates(BytecodeCache):
    """The templates' compiled code, kept for the whole test process instead of for one app.

    Each test builds its own app, and each app's Jinja would compile every template it renders anew: 100-250 ms of
    the first page of every test, a seventh of the suite's time. The code depends only on the template's source
    (Jinja checks its checksum) and on the Jinja settings, which create_app makes the same for every app; each app
    still makes its own template objects, with its own globals and filters, from that code."""

    def __init__(self):
        self.code = {}

    def load_bytecode(self, bucket):
        kept = self.code.get(bucket.key)
        if kept is not None and kept[0] == bucket.checksum:
            bucket.code = kept[1]

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = (bucket.checksum, bucket.code)


COMPILED_TEMPLATES = CompiledTemplates()


def settings_for(schema, smtp_port, **overrides):
    return {
        "SQLALCHEMY_DATABASE_URI": schema,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        **overrides,
    }


@pytest.fixture
def make_app(schema, smtp_server):
    """Build an app over the test database with settings overridden; the tables are emptied afterwards."""
    built = []

    def make(**overrides):
        app = create_app(settings_for(schema, smtp_server[1], **overrides))
        app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
        app.jinja_env.undefined = PrintingUndefinedFails
        built.append(app)
        return app

    yield make
    for app in built:
        wipe(app)


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def deliver(app, mailbox):
    """Send what the outbox holds to the SMTP server, as the app server's courier would."""

    def run():
        with app.app_context():
            return deliver_due()

    return run


def make_user(app, login="ivan", email="ivan@example.org", password=PASSWORD, confirmed=True, **fields):
    with app.app_context():
        user = User(
            login=login,
            email=email,
            first_name=fields.pop("first_name", "Иван"),
            last_name=fields.pop("last_name", "Петров"),
            phone=fields.pop("phone", "+79123456789"),
            confirmed_at=utcnow() if confirmed else None,
            **fields,
        )
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user.id


@pytest.fixture
def user(app):
    """A confirmed tenant: login ivan, password PASSWORD."""
    return make_user(app)


class AuthActions:
    """Log in and out through the real forms."""

    def __init__(self, client):
        self.client = client

    def login(self, login="ivan", password=PASSWORD, remember=False, **extra):
        data = {"login": login, "password": password, **extra}
        if remember:
            data["remember"] = "y"
        return self.client.post("/auth/login", data=data)

    def logout(self):
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def tenant(client, auth, user):
    """The test client, logged in as the confirmed tenant ivan (a feature's tests may add what ivan has first)."""
    auth.login()
    return client


def page(response) -> str:
    return response.get_data(as_text=True)


def shows(response, message) -> bool:
    """Whether a page shows one of kabinet.messages (as the browser would, after HTML escaping)."""
    from markupsafe import escape

    text = str(message.text) if hasattr(message, "text") else str(message)
    return str(escape(text)) in page(response)


class QueryCounter:
    """Counts the SQL statements the app sends while active: `with queries(app) as counted: ...; counted.count`."""

    def __init__(self, app):
        self.app, self.statements = app, []

    @property
    def count(self) -> int:
        return len(self.statements)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        from sqlalchemy import event

        with self.app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._record)


def queries(app) -> QueryCounter:
    return QueryCounter(app)


def logged_in(app, login: str, password: str = PASSWORD):
    """A test client of its own, logged in as `login` through the real login form."""
    client = app.test_client()
    response = client.post("/auth/login", data={"login": login, "password": password})
    assert response.status_code == 302, page(response)
    return client


def audited(app, action: str) -> list:
    """The audit log's events of this action, oldest first."""
    from kabinet.models import AuditEvent

    with app.app_context():
        query = db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return db.session.scalars(query).all()


def stored_user(app, login: str = "ivan") -> User:
    """The user as the database holds them now, detached (its attributes read, no session needed)."""
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.login == login))
        db.session.expunge(user)
        return user


def continue_from(client, link: str):
    """Follow a one-time link as a person does: open its page, then press «Продолжить»; the answer to the button."""
    shown = client.get(link)
    assert shown.status_code == 200 and "Продолжить" in page(shown), (shown.status_code, shown.location)
    return client.post(link)
