"""Upgrades: every migration goes down and up again to the same schema, and `flask db upgrade` keeps an older
database's rows working. On the run's database (SQLite, or PostgreSQL with KABINET_TEST_DB=postgresql)."""

from datetime import date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from werkzeug.security import generate_password_hash

from kabinet import create_app
from kabinet.accounts.addresses import Typed, find_houses
from kabinet.extensions import db
from kabinet.outbox import deliver_due
from tests.conftest import PASSWORD, logged_in, page, settings_for

# The expression indexes on lower(login) and lower(email) are compared through the catalog's own text instead.
pytestmark = pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")


def revisions() -> list[str]:
    """Every migration, oldest first."""
    scripts = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def schema() -> dict:
    """What the database holds now: tables with their columns, keys and indexes, and the text of every index."""
    with db.engine.connect() as connection:
        inspector = inspect(connection)
        # One query per kind for all tables (PostgreSQL), not one per table: the test takes 27 of these.
        columns, keys = inspector.get_multi_columns(), inspector.get_multi_pk_constraint()
        foreign, unique = inspector.get_multi_foreign_keys(), inspector.get_multi_unique_constraints()
        tables = {
            name: {
                # By name: a downgrade adds a dropped column back last, and nothing reads columns by position.
                "columns": sorted((c["name"], str(c["type"]), c["nullable"], str(c.get("default"))) for c in
                                  columns[schema_, name]),  # fmt: skip
                "primary key": keys[schema_, name]["constrained_columns"],
                "foreign keys": sorted((fk["name"], fk["constrained_columns"], fk["referred_table"],
                                        fk["referred_columns"], fk["options"].get("ondelete")) for fk in
                                       foreign[schema_, name]),  # fmt: skip
                "unique": sorted((u["name"], u["column_names"]) for u in unique[schema_, name]),
            }
            for schema_, name in columns
            if name != "alembic_version"
        }
        catalog = (
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name != 'alembic_version'"
            if connection.dialect.name == "sqlite"
            else "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename != 'alembic_version'"
        )
        indexes = sorted(tuple(row) for row in connection.execute(text(catalog)))
    return {"tables": tables, "indexes": indexes}


def difference(now: dict, expected: dict) -> dict:
    """What differs between two schemas, for a failure message a person can read."""
    tables = {name: (now["tables"].get(name), expected["tables"].get(name))
              for name in now["tables"].keys() | expected["tables"].keys()
              if now["tables"].get(name) != expected["tables"].get(name)}  # fmt: skip
    return {"tables": tables, "indexes": set(now["indexes"]) ^ set(expected["indexes"])}


def models_differ() -> list:
    with db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), db.metadata)


def test_every_migration_downgrades_and_upgrades_again_to_the_same_schema(own_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": own_database})
    with app.app_context():
        steps = revisions()
        seen = {"base": schema()}
        assert seen["base"]["tables"] == {}
        for revision in steps:
            upgrade(revision=revision)
            seen[revision] = schema()
        assert models_differ() == []

        for revision, previous in zip(reversed(steps), reversed(["base", *steps[:-1]]), strict=True):
            downgrade(revision=previous)
            now = schema()
            assert now == seen[previous], f"downgrading {revision}: {difference(now, seen[previous])}"

        for revision in steps:
            upgrade(revision=revision)
            now = schema()
            assert now == seen[revision], f"{revision} the second time: {difference(now, seen[revision])}"
        assert models_differ() == []
        db.engine.dispose()


OLDER = "d2a281d1c9ae"  # social identities: five migrations before the head, one of them rewriting every user


def insert(table: str, **row) -> int:
    columns = ", ".join(row)
    values = ", ".join(f":{name}" for name in row)
    return db.session.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING id"), row).scalar()


def fill_older_schema() -> None:
    """A company at the OLDER migration, written as that version's code wrote it (no model of today's fits it)."""
    now = datetime(2026, 10, 1, 9, 0)
    organization = insert(
        "organizations", name="УК «Старый дом»", inn="3808123457", kpp="380801001", bank_name="ПАО Сбербанк",
        bic="042520607", settlement_account="40702810818350001234", correspondent_account="30101810900000000607",
        address="г. Иркутск", phones="+7 (3952) 599-018", dispatch_phone="", opening_hours="", email="uk@example.org",
    )  # fmt: skip
    building = insert("buildings", organization_id=organization, address="г. Иркутск, ул. Ленина, д. 5")
    account = insert(
        "accounts", organization_id=organization, number="100777", building_id=building, premises="7",
        owner_name="Петров Иван", area=54.3, residents=2, opening_balance=0, is_closed=False,
    )  # fmt: skip
    user = insert(
        "users", login="ivan", email="ivan@example.org", first_name="Иван", middle_name="", last_name="Петров",
        phone="+79123456789", phone_extra="", password_hash=generate_password_hash(PASSWORD, "scrypt:1024:8:1"),
        created_at=now, confirmed_at=now, password_changed_at=now,
    )  # fmt: skip
    insert("account_bindings", user_id=user, account_id=account, role="owner", method="code_word", created_at=now)
    meter = insert("meters", account_id=account, serial="CW-OLD-1", kind="cold_water", unit="м³", is_active=True)
    insert("readings", meter_id=meter, taken_on=date(2026, 9, 20), value=321.5, source="tenant", user_id=user,
           created_at=now)  # fmt: skip
    insert(
        "dispatch_requests", organization_id=organization, account_id=account, user_id=user, category="leak",
        description="Капает кран на кухне", location="кв. 7", contact_phone="+79123456789", access_time="",
        status="new", rating_comment="", created_at=now, updated_at=now,
    )  # fmt: skip
    insert(
        "outbox_messages", recipient="ivan@example.org", subject="Письмо из очереди", body_text="Текст",
        body_html="<p>Текст</p>", created_at=now, attempts=0, next_attempt_at=now, last_error="",
    )  # fmt: skip
    db.session.commit()


def test_db_upgrade_keeps_an_older_databases_rows_and_the_app_works_on_them(own_database, smtp_server, mailbox):
    app = create_app(settings_for(own_database, smtp_server[1]))
    with app.app_context():
        upgrade(revision=OLDER)
        fill_older_schema()

    upgraded = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output

    tenant = logged_in(app, "ivan")
    assert "100777" in page(tenant.get("/cabinet/"))
    [request] = [link for link in page(tenant.get("/dispatch/")).split('"') if link.startswith("/dispatch/") and
                 link.rstrip("/").rsplit("/", 1)[-1].isdigit()]  # fmt: skip
    assert "Капает кран на кухне" in page(tenant.get(request))
    with app.app_context():
        assert deliver_due().sent == 1
        meter = db.session.execute(text("SELECT id, account_id FROM meters")).one()
        # A house stored before its words were: the first-login form still finds it, however it is typed.
        [house] = find_houses(Typed("иркутск", "ЛЕНИНА", "д.5"))
        assert house.address == "г. Иркутск, ул. Ленина, д. 5"
        db.engine.dispose()
    assert "321" in page(tenant.get(f"/readings/{meter.account_id}/meters/{meter.id}"))
    assert mailbox.last("ivan@example.org")["Subject"].endswith("Письмо из очереди")
