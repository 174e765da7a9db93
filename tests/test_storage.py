"""Files in the database (kabinet/storage.py): request photos and import uploads that any app server serves, the
sweep of old uploads, and the migration that moves the photos kept on disk into the database and back."""

import hashlib
import io
import secrets
import threading
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from PIL import Image
from sqlalchemy import create_engine, func, inspect, select, text

from kabinet import create_app, storage
from kabinet.clock import utcnow
from kabinet.dispatch import photos
from kabinet.dispatch import services as dispatch
from kabinet.extensions import db
from kabinet.models import Account, DispatchEvent, DispatchRequest, StoredFile, User
from kabinet.organizations import default_organization
from kabinet.staff.imports import services as imports
from tests.conftest import logged_in, make_user, settings_for
from tests.factories import make_account, make_staff

PREVIOUS = "cba9f216f67d"  # the head before the files moved into the database
ACCOUNTS = "account;address;apartment;owner\n100101;г. Иркутск, ул. Ленина, д. 5;1;Сидоров Пётр\n"


def png(size=(40, 30), color=(0, 128, 255)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.is_dir() else []


# --- the module -----------------------------------------------------------------------------------------------------


def test_a_file_put_is_read_back_whole_with_its_size_and_digest(app):
    content = bytes(range(256)) * 3  # every byte value, NUL included
    with app.app_context():
        stored = storage.put(content, kind="import", content_type="text/csv", name="счета.csv")
        db.session.commit()
        file_id = stored.id
    with app.app_context():
        found = storage.get(file_id, "import")
        assert (found.name, found.content_type, found.size) == ("счета.csv", "text/csv", len(content))
        assert found.sha256 == hashlib.sha256(content).hexdigest()
        assert "data" in inspect(found).unloaded  # describing a file does not load its bytes
        assert storage.read(found) == content
        assert storage.get(file_id, "photo") is None  # another kind's id names nothing


def test_a_local_copy_holds_the_same_bytes_read_in_chunks_and_is_gone_afterwards(app, monkeypatch):
    monkeypatch.setattr(storage, "CHUNK", 100)
    content = secrets.token_bytes(1001)  # ten whole chunks and one byte
    with app.app_context():
        stored = storage.put(content, kind="import", content_type="text/csv")
        db.session.commit()
        with storage.local_copy(stored.id) as path:
            assert path.read_bytes() == content
        assert not path.exists()
        empty = storage.put(b"", kind="import", content_type="text/csv")
        db.session.commit()
        with storage.local_copy(empty.id) as path:
            assert path.read_bytes() == b""


def test_a_file_is_claimed_once_and_deleted(app):
    with app.app_context():
        stored = storage.put(b"x", kind="import", content_type="text/csv")
        db.session.commit()
        file_id = stored.id
        assert storage.claim(file_id) is True
        assert storage.claim(file_id) is False  # the second of two requests
        storage.delete(file_id)
        db.session.commit()
        assert storage.get(file_id, "import") is None and storage.claim(file_id) is False


def test_a_deleted_files_id_is_never_given_to_the_next_file(app):
    """A signed link to an applied upload names its id: on SQLite too, the next upload must not inherit it."""
    with app.app_context():
        first = storage.put(b"a", kind="import", content_type="text/csv")
        db.session.commit()
        first_id = first.id
        storage.delete(first_id)
        db.session.commit()
        second = storage.put(b"b", kind="import", content_type="text/csv")
        db.session.commit()
        assert second.id != first_id


# --- request photos -----------------------------------------------------------------------------------------------


@pytest.fixture
def filed(app):
    """Ivan's request with one PNG photo, and the photo's URL."""
    user_id = make_user(app)
    account_id = make_account(app, "100101", user_id=user_id)
    with app.app_context():
        user, account = db.session.get(User, user_id), db.session.get(Account, account_id)
        photo = photos.Photo(png(), "image/png")
        request, _ = dispatch.create(user, account, category="leak", description="Течёт кран", location="кв. 1",
                                     contact_phone="+79123456789", photos=[photo])  # fmt: skip
        return f"/dispatch/{request.id}/photos/{request.photos[0].id}"


def test_a_photo_is_served_from_the_database_with_its_type_and_digest_and_nothing_on_disk(app, filed):
    tenant = logged_in(app, "ivan")

    served = tenant.get(filed)

    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == png()
    assert served.headers["ETag"] == f'"{hashlib.sha256(png()).hexdigest()}"'
    assert served.headers["Cache-Control"] == "private, no-store"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert files_under(Path(app.instance_path) / "uploads" / "dispatch") == []


def test_a_client_that_has_the_photo_gets_a_304_without_the_bytes(app, filed):
    tenant = logged_in(app, "ivan")
    etag = tenant.get(filed).headers["ETag"]

    again = tenant.get(filed, headers={"If-None-Match": etag})

    assert again.status_code == 304 and again.data == b""


def test_another_app_server_serves_the_photo_to_the_same_people_only(make_app, filed):
    other = make_app()  # a second server over the same database: nothing of the first one's memory or disk

    assert logged_in(other, "ivan").get(filed).data == png()
    make_user(other, login="petr", email="petr@example.org")
    assert logged_in(other, "petr").get(filed).status_code == 404
    assert other.test_client().get(filed).status_code == 302  # not logged in: to the login page


def test_a_list_of_requests_loads_no_photo_bytes(app, filed):
    with app.app_context():
        request = db.session.scalar(select(DispatchRequest))
        [photo] = request.photos
        assert "data" in inspect(photo.file).unloaded


def test_a_request_that_fails_to_save_leaves_no_photo_behind(app):
    user_id = make_user(app)
    with app.app_context():
        user = db.session.get(User, user_id)
        with pytest.raises(Exception):  # noqa: B017 - whatever the database says of a request without a category
            dispatch.create(user, None, category=None, description="Течёт", location="кв. 1",
                            contact_phone="+79123456789", photos=[photos.Photo(png(), "image/png")])  # fmt: skip
        db.session.rollback()
        assert db.session.scalars(select(StoredFile)).all() == []


# --- import uploads -------------------------------------------------------------------------------------------------


def test_an_upload_is_kept_in_the_database_and_applied_once_for_two_clicks(app):
    make_staff(app, "accountant")
    accountant = logged_in(app, "accountant")
    preview = accountant.post("/staff/imports/", data={"kind": "accounts", "file": (io.BytesIO(ACCOUNTS.encode()),
                                                                                       "счета.csv")})  # fmt: skip
    token = preview.get_data(as_text=True).split('name="upload" type="hidden" value="')[1].split('"')[0]
    assert files_under(Path(app.instance_path) / "uploads" / "imports") == []
    with app.app_context():
        [kept] = db.session.scalars(select(StoredFile).where(StoredFile.kind == "import"))
        assert (kept.name, storage.read(kept)) == ("счета.csv", ACCOUNTS.encode())

    first = accountant.post("/staff/imports/apply", data={"upload": token})
    second = accountant.post("/staff/imports/apply", data={"upload": token}, follow_redirects=True)

    assert first.status_code == 302
    assert "Загруженный файл не найден или устарел" in second.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Account.owner_name)) == "Сидоров Пётр"
        assert db.session.scalars(select(StoredFile)).all() == []


def test_two_applies_at_the_same_moment_import_once(app):
    """Two requests (two tabs, two app servers) that both found the upload reach «Применить» together."""
    accountant_id = make_staff(app, "accountant")
    with app.test_request_context():
        accountant = db.session.get(User, accountant_id)
        upload = imports.store(io.BytesIO(ACCOUNTS.encode()), "счета.csv", "accounts", accountant)
    together, outcomes = threading.Barrier(2), []

    def click():
        with app.test_request_context():
            found = imports.find(upload.token, db.session.get(User, accountant_id))
            together.wait()
            try:
                outcomes.append(imports.apply(found, default_organization()).created)
            except imports.Gone:
                outcomes.append("gone")

    clicks = [threading.Thread(target=click) for _ in range(2)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()

    assert sorted(outcomes, key=str) == [1, "gone"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Account.id))) == 1
        assert db.session.scalar(select(func.count(StoredFile.id))) == 0


def test_a_claimed_upload_is_not_offered_again(app):
    """An apply that died half-way (its server restarted) left a claimed file: no one may apply it now."""
    accountant_id = make_staff(app, "accountant")
    with app.test_request_context():
        accountant = db.session.get(User, accountant_id)
        upload = imports.store(io.BytesIO(ACCOUNTS.encode()), "счета.csv", "accounts", accountant)
        assert storage.claim(upload.file_id)
        db.session.commit()
        assert imports.find(upload.token, accountant) is None
        with pytest.raises(imports.Gone):
            imports.apply(upload, default_organization())


def test_sweep_uploads_deletes_the_uploads_older_than_asked_and_nothing_else(app, filed):
    accountant_id = make_staff(app, "accountant")
    with app.test_request_context():
        accountant = db.session.get(User, accountant_id)
        old, claimed, young = (imports.store(io.BytesIO(b"a;b\n"), "f.csv", "accounts", accountant) for _ in range(3))
        storage.claim(claimed.file_id)
        for upload in (old, claimed):
            db.session.get(StoredFile, upload.file_id).created_at = utcnow() - timedelta(hours=3)
        db.session.get(StoredFile, young.file_id).created_at = utcnow() - timedelta(minutes=30)
        db.session.commit()

        assert imports.sweep_uploads(timedelta(hours=1)) == 2

        left = db.session.execute(select(StoredFile.id, StoredFile.kind).order_by(StoredFile.id)).all()
        assert [kind for _, kind in left] == ["photo", "import"] and left[1].id == young.file_id
        assert imports.sweep_uploads(timedelta(hours=1)) == 0


# --- the migration ----------------------------------------------------------------------------------------------


@pytest.fixture
def fresh_database(database_url, tmp_path):
    """An empty database of its own: a file, or a new database on the run's PostgreSQL cluster."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        return
    cluster, name = database_url.rsplit("/", 1)[0], f"fresh_{secrets.token_hex(4)}"
    server = create_engine(f"{cluster}/postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield f"{cluster}/{name}"
    with server.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    server.dispose()


def old_photo(app, request_id: int, content: bytes | None) -> int:
    """A photo as the previous version kept it: a row naming a file under instance/uploads/dispatch (None: lost)."""
    filename = f"{secrets.token_hex(16)}.png"
    if content is not None:
        folder = Path(app.instance_path) / "uploads" / "dispatch"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / filename).write_bytes(content)
    with app.app_context():
        insert = text(
            "INSERT INTO dispatch_photos (request_id, filename, content_type, size, created_at) "
            "VALUES (:request, :filename, 'image/png', :size, :now)"
        )
        db.session.execute(
            insert,
            {"request": request_id, "filename": filename, "size": len(content or b""), "now": utcnow()},
        )
        db.session.commit()
        return db.session.scalar(text("SELECT id FROM dispatch_photos WHERE filename = :f"), {"f": filename})


@pytest.fixture
def before_upgrade(fresh_database, smtp_server):
    """An app over a database built by the migrations up to PREVIOUS, with ivan's request in it; (app, request id).

    The rows are written by today's models at the head and the schema then taken down to PREVIOUS, as a model may
    have columns PREVIOUS has not. The database is thrown away afterwards, so the app is not one the tests wipe."""
    app = create_app(settings_for(fresh_database, smtp_server[1]))
    with app.app_context():
        upgrade()
    user_id = make_user(app)
    account_id = make_account(app, "100101", user_id=user_id)
    with app.app_context():
        request = DispatchRequest(organization_id=default_organization().id, account_id=account_id, user_id=user_id,
                                  category="leak", description="Течёт кран", location="кв. 1",
                                  contact_phone="+79123456789")  # fmt: skip
        request.events = [DispatchEvent(author="tenant", status="new")]
        db.session.add(request)
        db.session.commit()
        request_id = request.id
        db.session.remove()
        downgrade(revision=PREVIOUS)
    yield app, request_id
    with app.app_context():
        db.engine.dispose()


def test_the_migration_moves_a_photo_from_disk_into_the_database_and_the_downgrade_writes_it_back(before_upgrade):
    app, request_id = before_upgrade
    content = png(color=(200, 10, 10))
    photo_id = old_photo(app, request_id, content)
    lost = old_photo(app, request_id, None)  # its file was lost before the upgrade: the page showed a broken image
    folder = Path(app.instance_path) / "uploads" / "dispatch"
    [on_disk] = [path for path in files_under(folder) if path.read_bytes() == content]

    with app.app_context():
        upgrade()
    on_disk.unlink()  # the admin clears the old folder

    tenant = logged_in(app, "ivan")
    served = tenant.get(f"/dispatch/{request_id}/photos/{photo_id}")
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == content
    shown = tenant.get(f"/dispatch/{request_id}").get_data(as_text=True)
    assert f"/photos/{photo_id}" in shown and f"/photos/{lost}" not in shown

    with app.app_context():
        downgrade(revision=PREVIOUS)
        filename, content_type, size = db.session.execute(
            text("SELECT filename, content_type, size FROM dispatch_photos WHERE id = :id"), {"id": photo_id}
        ).one()
        db.session.commit()
    assert (filename, content_type, size) == (on_disk.name, "image/png", len(content))
    assert on_disk.read_bytes() == content  # back where the previous version looks for it

    with app.app_context():
        upgrade()
    assert logged_in(app, "ivan").get(f"/dispatch/{request_id}/photos/{photo_id}").data == content


def test_the_migration_changes_nothing_when_no_photo_is_found_in_the_instance_folder(before_upgrade, capfd):
    """Run with another KABINET_INSTANCE than the site's, it would have dropped every photo as lost."""
    app, request_id = before_upgrade
    photo_id = old_photo(app, request_id, None)

    with app.app_context(), pytest.raises(SystemExit):  # `flask db upgrade` exits with 1
        upgrade()

    assert "run the upgrade with the site's KABINET_INSTANCE. Nothing was changed." in capfd.readouterr().err
    with app.app_context():
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == PREVIOUS
        filename = db.session.scalar(text("SELECT filename FROM dispatch_photos WHERE id = :id"), {"id": photo_id})
        assert "stored_files" not in inspect(db.engine).get_table_names()
        db.session.commit()
    folder = Path(app.instance_path) / "uploads" / "dispatch"  # the right folder after all
    folder.mkdir(parents=True, exist_ok=True)
    (folder / filename).write_bytes(png())
    with app.app_context():
        upgrade()
    assert logged_in(app, "ivan").get(f"/dispatch/{request_id}/photos/{photo_id}").data == png()
