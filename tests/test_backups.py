"""Backups: `flask --app wsgi backup create|restore|prune` on the run's database, and what the status page reads."""

import itertools
import re
import shutil
import sqlite3
import subprocess
import threading
from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from kabinet import create_app, health
from kabinet.backups import last_backup, postgres
from kabinet.backups import services as backups
from kabinet.clock import utcnow
from kabinet.extensions import db
from tests.conftest import PASSWORD, logged_in, make_user, page, require, settings_for
from tests.factories import make_account, make_meter
from tests.postgres import postgres_installed
from tests.test_dispatch import VALID, jpeg

# Downgrades and the batch mode reflect users on SQLite, whose expression indexes it cannot read (and need not).
pytestmark = pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")


@pytest.fixture
def site(own_schema, smtp_server, tmp_path):
    """The app over a migrated database of this test's own; backups go to tmp_path/backups."""
    app = create_app(settings_for(own_schema, smtp_server[1], BACKUP_DIR=str(tmp_path / "backups")))
    yield app
    with app.app_context():
        db.engine.dispose()


def backup_cli(app, *args, answer=None):
    """Run `flask --app wsgi backup ARGS` (answering its question with `answer`)."""
    return app.test_cli_runner().invoke(args=["backup", *map(str, args)], input=answer)


def backed_up(app) -> Path:
    """The file `backup create` just wrote into BACKUP_DIR."""
    result = backup_cli(app, "create")
    assert result.exit_code == 0, result.output
    with app.app_context():
        return last_backup().path


def fill(app) -> dict:
    """What a tenant leaves behind: an account, a meter with readings, a dispatch request with a photo."""
    user = make_user(app)
    account = make_account(app, "100101", user_id=user)
    meter = make_meter(app, account, "CW-77", readings=[(date(2026, 9, 20), "141.5"), (date(2026, 10, 20), "152.25")])
    tenant = logged_in(app, "ivan")
    form = {**VALID, "account": str(account), "photos": [(BytesIO(jpeg()), "leak.jpg")]}
    filed = tenant.post("/dispatch/new", data=form, content_type="multipart/form-data")
    request = int(filed.location.rsplit("/", 1)[1])
    photo = re.search(rf"/dispatch/{request}/photos/\d+", page(tenant.get(filed.location)))[0]
    served = tenant.get(photo).data
    return {"account": account, "meter": meter, "request": request, "photo": photo, "photo_bytes": served}


def destroy(app) -> None:
    """Lose the database: its file deleted (SQLite), every table dropped (PostgreSQL)."""
    with app.app_context():
        url = db.engine.url
        db.session.remove()
        db.engine.dispose()
        if url.get_backend_name() == "sqlite":
            Path(url.database).unlink()
        else:
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            db.engine.dispose()


def assert_everything_is_back(app, data) -> None:
    """The tenant logs in and finds the account, the readings, the request and its photo."""
    tenant = logged_in(app, "ivan", PASSWORD)
    assert "100101" in page(tenant.get("/cabinet/"))
    history = page(tenant.get(f"/readings/{data['account']}/meters/{data['meter']}"))
    assert "CW-77" in history and re.search(r"152[,.]25", history) and re.search(r"141[,.]5", history)
    assert VALID["description"] in page(tenant.get(f"/dispatch/{data['request']}"))
    photo = tenant.get(data["photo"])
    assert photo.status_code == 200 and photo.data == data["photo_bytes"]


def test_a_backup_brings_everything_back_after_the_database_is_lost(site, tmp_path):
    data = fill(site)
    made = backup_cli(site, "create")
    assert made.exit_code == 0, made.output
    with site.app_context():
        backup = last_backup()
    assert backup.path.parent == tmp_path / "backups" and str(backup.path) in made.output
    assert backup.size == backup.path.stat().st_size > 0 and backup.path.stat().st_mode & 0o777 == 0o600
    destroy(site)

    restored = backup_cli(site, "restore", "--yes", backup.path)
    assert restored.exit_code == 0, restored.output
    assert "Восстановлено" in restored.output and "db upgrade" not in restored.output
    assert_everything_is_back(site, data)


def test_the_photos_are_in_the_backup_when_the_server_is_lost_too(site):
    data = fill(site)
    backup = backed_up(site)
    destroy(site)
    shutil.rmtree(Path(site.instance_path) / "uploads", ignore_errors=True)
    assert backup_cli(site, "restore", "--yes", backup).exit_code == 0
    assert_everything_is_back(site, data)


def test_restore_asks_first_and_a_no_changes_nothing(site):
    make_user(site)
    backup = backed_up(site)
    make_user(site, login="petr", email="petr@example.org")
    refused = backup_cli(site, "restore", backup, answer="n\n")
    assert refused.exit_code != 0 and "будет заменено" in refused.output
    logged_in(site, "petr")
    assert backup_cli(site, "restore", backup, answer="y\n").exit_code == 0
    assert site.test_client().post("/auth/login", data={"login": "petr", "password": PASSWORD}).status_code != 302
    logged_in(site, "ivan")


def test_a_file_or_folder_path_and_no_overwriting(site, tmp_path):
    named = tmp_path / "before-upgrade.dump"
    assert backup_cli(site, "create", named).exit_code == 0 and named.stat().st_mode & 0o777 == 0o600
    again = backup_cli(site, "create", named)
    assert again.exit_code == 1 and "уже есть" in again.output
    folder = tmp_path / "elsewhere"
    assert backup_cli(site, "create", folder).exit_code == 0
    [made] = folder.iterdir()
    assert backups.NAME.match(made.name) and not list(folder.glob(".*"))


def other_kind_of(site, tmp_path) -> Path:
    """A real backup of the other database: a SQLite file on PostgreSQL, a pg_dump archive's start on SQLite."""
    path = tmp_path / "other"
    with site.app_context():
        kind = db.engine.dialect.name
    if kind == "sqlite":
        path.write_bytes(b"PGDMP\x01\x0f\x00" + bytes(200))
    else:
        sqlite3.connect(path).execute("CREATE TABLE alembic_version (version_num TEXT)").connection.commit()
    return path


@pytest.mark.parametrize(
    "make, says",
    [
        (other_kind_of, "восстановить её сюда нельзя"),
        (lambda site, tmp_path: tmp_path / "notes.txt", "не является резервной копией"),
        (lambda site, tmp_path: tmp_path / "damaged", "файл повреждён"),
    ],
    ids=["the other database", "not a backup", "damaged"],
)
def test_a_file_that_cannot_be_restored_is_refused_and_the_database_is_untouched(site, tmp_path, make, says):
    make_user(site)
    good = backed_up(site)
    make_user(site, login="petr", email="petr@example.org")
    (tmp_path / "notes.txt").write_text("список дел\n")
    (tmp_path / "damaged").write_bytes(good.read_bytes()[:30] + bytes(5000))
    refused = backup_cli(site, "restore", "--yes", make(site, tmp_path))
    assert isinstance(refused.exception, SystemExit) and refused.exit_code == 1, refused.output
    assert says in refused.output
    logged_in(site, "petr")


def test_a_backup_cut_short_changes_nothing_even_when_found_out_halfway(site, tmp_path):
    """pg_restore reads the readings (most of the file) after psql has begun: the transaction must roll back. SQLite
    finds the file broken before."""
    account = make_account(site, "100101", user_id=make_user(site))
    make_meter(site, account, readings=[(date(2000, 1, 1) + timedelta(days=n), n) for n in range(3000)])
    good = backed_up(site)
    make_user(site, login="petr", email="petr@example.org")
    cut = tmp_path / "cut-short"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size * 9 // 10])
    refused = backup_cli(site, "restore", "--yes", cut)
    assert isinstance(refused.exception, SystemExit) and refused.exit_code == 1, refused.output
    assert "повреждён" in refused.output or "база данных не изменена" in refused.output
    logged_in(site, "petr")


def test_a_backup_of_a_newer_version_is_refused(site):
    make_user(site)
    with site.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = 'f00dfeedbeef'"))
        db.session.commit()
    backup = backed_up(site)
    with site.app_context():
        [head] = health.migration_heads()
        db.session.execute(text(f"UPDATE alembic_version SET version_num = '{head}'"))
        db.session.commit()
    make_user(site, login="petr", email="petr@example.org")
    refused = backup_cli(site, "restore", "--yes", backup)
    assert refused.exit_code == 1 and "более новой версией" in refused.output and "f00dfeedbeef" in refused.output
    logged_in(site, "petr")


def test_an_older_backup_is_restored_and_db_upgrade_brings_it_up_to_date(site):
    with site.app_context():
        downgrade(revision="e4648923db88")  # before the dispatch deadlines' table
    older = backed_up(site)
    with site.app_context():
        upgrade()
    make_user(site)
    restored = backup_cli(site, "restore", "--yes", older)
    assert restored.exit_code == 0 and "flask --app wsgi db upgrade" in restored.output, restored.output
    assert site.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    make_user(site, login="petr", email="petr@example.org")
    logged_in(site, "petr")


def test_a_backup_taken_while_the_site_writes_is_consistent(site):
    """Each transaction of the writer adds two rows: a backup that caught half of one would hold an odd count."""
    with site.app_context():
        url = db.engine.url
    engine = create_engine(url, connect_args={"timeout": 30} if url.get_backend_name() == "sqlite" else {})
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE pairs (payload TEXT NOT NULL)"))
    running, written = threading.Event(), threading.Event()

    def write():
        try:
            for count in itertools.count(1):
                if running.is_set():
                    return
                with engine.begin() as connection:
                    for _ in range(2):
                        connection.execute(text("INSERT INTO pairs (payload) VALUES (:p)"), {"p": "x" * 2000})
                if count == 50:
                    written.set()
        finally:
            written.set()  # a writer that failed must not keep the test waiting

    writer = threading.Thread(target=write)
    writer.start()
    try:
        written.wait()
        backup = backed_up(site)
    finally:
        running.set()
        writer.join()
    assert backup_cli(site, "restore", "--yes", backup).exit_code == 0
    with engine.connect() as connection:
        rows = connection.scalar(select(func.count()).select_from(text("pairs")))
    engine.dispose()
    assert rows >= 100 and rows % 2 == 0


NOW = datetime(2026, 11, 30, 3, 0)  # a Monday


def stamped(folder: Path, moment: datetime, suffix="sqlite") -> Path:
    path = folder / f"kabinet-{moment.strftime(backups.STAMP)}.{suffix}"
    path.write_bytes(b"SQLite format 3\x00")
    return path


def test_prune_keeps_one_a_day_for_a_week_then_one_a_week_for_a_month(site, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    ago = {name: NOW - delta for name, delta in {
        "today": timedelta(hours=1), "today earlier": timedelta(hours=2),
        "yesterday": timedelta(days=1), "yesterday earlier": timedelta(days=1, hours=1),
        "6 days": timedelta(days=6), "8 days (Sunday)": timedelta(days=8), "9 days (Saturday)": timedelta(days=9),
        "16 days": timedelta(days=16), "30 days": timedelta(days=30), "40 days": timedelta(days=40),
    }.items()}  # fmt: skip
    files = {name: stamped(folder, moment) for name, moment in ago.items()}
    (folder / "notes.txt").write_text("не копия")
    (folder / ".kabinet-20261001T000000Z.sqlite.partial").write_bytes(b"")
    with site.app_context():
        removed = backups.prune(folder, now=NOW)
    gone = {"today earlier", "yesterday earlier", "9 days (Saturday)", "40 days"}
    assert set(removed) == {files[name] for name in gone}
    assert {path.name for path in folder.iterdir()} == {
        *(files[name].name for name in files.keys() - gone), "notes.txt", ".kabinet-20261001T000000Z.sqlite.partial"
    }


def test_prune_never_deletes_the_newest_backup_however_old(site, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    newest, older = stamped(folder, NOW - timedelta(days=90)), stamped(folder, NOW - timedelta(days=91))
    with site.app_context():
        assert backups.prune(folder, now=NOW) == [older]
    assert newest.exists()


def test_retention_is_configurable_and_create_prune_thins_the_folder(make_app, tmp_path):
    folder = tmp_path / "kept"
    folder.mkdir()
    old = [stamped(folder, utcnow() - timedelta(days=days)) for days in (2, 3)]
    app = make_app(BACKUP_DIR=str(folder), BACKUP_DAILY_FOR_DAYS=1, BACKUP_WEEKLY_FOR_DAYS=1)
    result = app.test_cli_runner().invoke(args=["backup", "create", "--prune"])
    assert result.exit_code == 0, result.output
    assert all(str(path) in result.output and not path.exists() for path in old)
    assert len(list(folder.iterdir())) == 1


def test_last_backup_is_none_in_an_empty_folder_then_the_newest(site, tmp_path):
    with site.app_context():
        assert last_backup() is None
        (tmp_path / "backups").mkdir()
        stamped(tmp_path / "backups", NOW)
        made = backups.create(now=NOW + timedelta(minutes=5))
        newest = last_backup()
    assert newest == made and newest.taken_at == NOW + timedelta(minutes=5) and newest.size > 1000


def test_the_postgresql_password_goes_through_the_environment_never_the_command_line(monkeypatch, tmp_path):
    ran = []
    monkeypatch.setattr(postgres.subprocess, "run", lambda command, **kw: ran.append((command, kw["env"])) or
                        subprocess.CompletedProcess(command, 0, ""))  # fmt: skip
    postgres.dump(make_url("postgresql+psycopg://kabinet:Sekret-42@db.example:5433/kabinet"), tmp_path / "dump")
    [(command, env)] = ran
    assert not any("Sekret-42" in part for part in command)
    assert (env["PGPASSWORD"], env["PGHOST"], env["PGPORT"], env["PGUSER"]) == ("Sekret-42", "db.example", "5433",
                                                                                 "kabinet")  # fmt: skip


def test_the_postgresql_tools_are_found_next_to_the_server_when_not_on_path(monkeypatch):
    require(postgres_installed(), "PostgreSQL is not installed (apt-get install postgresql)")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert re.fullmatch(r"/usr/lib/postgresql/[^/]+/bin/pg_dump", postgres.tool("pg_dump"))
