"""SQLite backups: a plain SQLite file made by SQLite's online backup API, so `sqlite3` alone can open it."""

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL

MAGIC = b"SQLite format 3\x00"
SUFFIX = "sqlite"


class DamagedBackup(Exception):
    """The file starts as a SQLite database but SQLite finds it broken."""


def dump(url: URL, target: Path) -> None:
    """Copy the live database into the (new, empty) file `target` in one step of the online backup API: one read
    transaction, so the copy is the database as one moment saw it while the site goes on writing."""
    with closing(sqlite3.connect(url.database, timeout=30)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)


def revision(path: Path) -> str:
    """The migration the backed-up database was at; a file without it is not a whole backup of Kabinet's."""
    try:
        with closing(_open_read_only(path)) as backup:
            if backup.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise DamagedBackup(path)
            has_version = backup.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone()
            row = backup.execute("SELECT version_num FROM alembic_version").fetchone() if has_version else None
    except sqlite3.DatabaseError as exc:
        raise DamagedBackup(path) from exc
    if not row:
        raise DamagedBackup(path)
    return row[0]


def restore(path: Path, url: URL) -> None:
    """Replace the database's whole content with the backup's, in one transaction of the backup API (a deleted
    database file is made anew)."""
    Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    with closing(_open_read_only(path)) as backup, closing(sqlite3.connect(url.database, timeout=30)) as live:
        backup.backup(live)


def _open_read_only(path: Path) -> sqlite3.Connection:
    """The backup opened so that nothing, not even a journal, is written next to it."""
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
