"""Backups: made from the live database, restored whole, thinned out by age; the newest one for the status page.

A backup is a file of the database's own tool (a SQLite database, a pg_dump archive), so it can be restored by hand
with sqlite3 or pg_restore when Kabinet itself cannot run. Its first bytes say which database made it, its name when
(UTC), and alembic_version inside it which migration it was at.
"""

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext

from kabinet import health
from kabinet.backups import postgres, sqlite
from kabinet.clock import utcnow
from kabinet.extensions import db

ENGINES = {"sqlite": sqlite, "postgresql": postgres}
STAMP = "%Y%m%dT%H%M%SZ"
NAME = re.compile(r"^kabinet-(?P<stamp>\d{8}T\d{6}Z)\.(?:sqlite|pgdump)$")


class Refused(Exception):
    """A backup that cannot be made or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Backup:
    """A backup file in the backups folder: where it is, when it was taken (UTC) and its size in bytes."""

    path: Path
    taken_at: datetime
    size: int


def backup_dir() -> Path:
    """The folder the timer's backups go to (BACKUP_DIR)."""
    return Path(current_app.config["BACKUP_DIR"])


def create(path: Path | None = None, now: datetime | None = None) -> Backup:
    """Back the database up into `path`: a file, or a folder where the file is named by the time (the backups
    folder when no path is given). Readable by the owner only; a half-written file never bears a backup's name."""
    now = (now or utcnow()).replace(microsecond=0)  # as the name keeps it
    path = Path(path or backup_dir())
    _, engine = _engine()
    if path.is_dir() or not path.suffix:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = path / f"kabinet-{now.strftime(STAMP)}.{engine.SUFFIX}"
    if path.exists():
        raise Refused(gettext("Файл %(path)s уже есть: резервная копия не записана поверх него.", path=path))
    partial = path.with_name(f".{path.name}.partial")
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))  # the tools keep these permissions
        engine.dump(db.engine.url, partial)
        partial.rename(path)
    except (OSError, sqlite3.Error, postgres.ToolFailed) as exc:
        partial.unlink(missing_ok=True)
        raise Refused(gettext("Резервная копия не сделана: %(error)s", error=exc)) from exc
    return Backup(path, now, path.stat().st_size)


def restore(path: Path) -> str:
    """Replace the database with the backup's content and say what is left to do; refuse a file of another database
    or of a newer Kabinet before touching anything."""
    _, engine = _engine()
    revision = check(path)
    url = db.engine.url
    db.session.remove()
    db.engine.dispose()  # the pool's connections must not outlive the tables they knew
    try:
        engine.restore(Path(path), url)
    except (sqlite3.Error, postgres.ToolFailed) as exc:  # SQLite's backup API, too, writes in one transaction
        raise Refused(gettext("Восстановление не выполнено, база данных не изменена: %(error)s", error=exc)) from exc
    if revision not in health.migration_heads():
        return gettext("Восстановлено из %(path)s. Копия сделана прежней версией Kabinet: обновите схему базы данных "
                       "командой `flask --app wsgi db upgrade`.", path=path)  # fmt: skip
    return gettext("Восстановлено из %(path)s.", path=path)


def check(path: Path) -> str:
    """The migration a backup was made at, once it is known to be a whole backup of this site's kind of database
    that this version of Kabinet can take."""
    kind, engine = _engine()
    made_by = backup_kind(path)
    if made_by is None:
        raise Refused(gettext("%(path)s не является резервной копией Kabinet (ни SQLite, ни pg_dump).", path=path))
    if made_by != kind:
        other = gettext("%(path)s — резервная копия базы %(made_by)s, а сайт работает на %(kind)s: восстановить её "
                        "сюда нельзя.", path=path, made_by=_TITLES[made_by], kind=_TITLES[kind])  # fmt: skip
        raise Refused(other)
    try:
        revision = engine.revision(Path(path))
    except (sqlite.DamagedBackup, postgres.ToolFailed) as exc:
        raise Refused(gettext("%(path)s: файл повреждён, восстановление невозможно.", path=path)) from exc
    if revision not in health.known_revisions():
        heads = ", ".join(sorted(health.migration_heads()))
        newer = gettext("%(path)s сделана более новой версией Kabinet (миграция %(revision)s; этой версии известны "
                        "миграции до %(heads)s): установите ту версию Kabinet, которой сделана копия, или более "
                        "новую, и восстановите копию там.", path=path, revision=revision, heads=heads)  # fmt: skip
        raise Refused(newer)
    return revision


def backup_kind(path: Path) -> str | None:
    """Which database made the file, by its first bytes ("sqlite", "postgresql"), or None for any other file."""
    with open(path, "rb") as file:
        start = file.read(16)
    return next((kind for kind, engine in ENGINES.items() if start.startswith(engine.MAGIC)), None)


def backups(folder: Path | None = None) -> list[Backup]:
    """The backups in a folder, newest first; files not named as this command names them are not backups."""
    found = []
    for path in Path(folder or backup_dir()).glob("kabinet-*"):
        match = NAME.match(path.name)
        if match and path.is_file():
            found.append(Backup(path, datetime.strptime(match["stamp"], STAMP), path.stat().st_size))
    return sorted(found, key=lambda backup: backup.taken_at, reverse=True)


def last_backup(folder: Path | None = None) -> Backup | None:
    """The newest backup in BACKUP_DIR (time, path, size), or None when there is none."""
    return next(iter(backups(folder)), None)


def prune(folder: Path | None = None, now: datetime | None = None) -> list[Path]:
    """Delete the backups retention does not keep and return them: the newest of each day for
    BACKUP_DAILY_FOR_DAYS days, then the newest of each week for BACKUP_WEEKLY_FOR_DAYS days; the newest backup is
    kept whatever its age, so a timer that stopped never ends with no backup at all."""
    now = now or utcnow()
    daily = timedelta(days=current_app.config["BACKUP_DAILY_FOR_DAYS"])
    weekly = timedelta(days=current_app.config["BACKUP_WEEKLY_FOR_DAYS"])
    days, weeks, removed = set(), set(), []
    for number, backup in enumerate(backups(folder)):
        age, day = now - backup.taken_at, backup.taken_at.date()
        week = day.isocalendar()[:2]
        keep = number == 0 or (age < daily and day not in days) or (age < weekly and week not in weeks)
        days.add(day)
        weeks.add(week)
        if not keep:
            backup.path.unlink()
            removed.append(backup.path)
    return removed


_TITLES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _engine():
    kind = db.engine.dialect.name
    if kind not in ENGINES:
        raise Refused(
            gettext("Резервные копии базы %(kind)s не поддерживаются: только SQLite и PostgreSQL.", kind=kind)
        )
    return kind, ENGINES[kind]
