"""The month-end peak on SQLite: readers do not wait for writers (WAL), and a writer waits its turn instead of failing
with "database is locked". On its own SQLite file whatever KABINET_TEST_DB says: these are SQLite's settings."""

import sqlite3
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from kabinet import create_app
from kabinet.extensions import db


@pytest.fixture
def sqlite_app(tmp_path):
    """An app over an SQLite file of its own, returned with the file's path; its engine is closed afterwards."""
    path = tmp_path / "peak.sqlite"
    made = []

    def make(**overrides):
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", **overrides})
        made.append(app)
        return app

    yield make, path
    for app in made:
        with app.app_context():
            db.engine.dispose()


def test_sqlite_connections_use_wal_and_the_configured_busy_timeout(sqlite_app):
    make, _ = sqlite_app
    app = make(SQLITE_BUSY_TIMEOUT_MS=7000)
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 7000


@pytest.mark.parametrize("waits", [True, False])
def test_a_writer_waits_for_another_writers_commit_instead_of_failing(sqlite_app, waits):
    make, path = sqlite_app
    app = make(SQLITE_BUSY_TIMEOUT_MS=30_000 if waits else 0)
    with app.app_context():
        db.session.execute(text("CREATE TABLE peak (n INTEGER)"))
        db.session.commit()
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # another worker in the middle of saving readings
        other.execute("INSERT INTO peak VALUES (1)")
        done = threading.Timer(0.2, other.execute, ["COMMIT"])
        done.start()
        try:
            db.session.execute(text("INSERT INTO peak VALUES (2)"))
            db.session.commit()
        except OperationalError as refused:
            db.session.rollback()
            assert not waits and "database is locked" in str(refused)
        else:
            assert waits
        finally:
            done.join()
            other.close()
        stored = db.session.execute(text("SELECT n FROM peak ORDER BY n")).scalars().all()
    assert stored == ([1, 2] if waits else [1])


def test_make_bench_peak_runs_the_peak_on_both_databases_then_the_page_profile():
    from tests.test_makefile import planned

    commands = planned("bench-peak", "TENANTS=300", "WINDOW=60")
    assert "bench/peak.py --tenants 300 --window 60" in commands and "bench/pagecost.py" in commands
