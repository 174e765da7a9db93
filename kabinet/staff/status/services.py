"""What «Состояние системы» shows, read from the database and the running process, and the outbox's retries."""

import platform
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import metadata
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, text

import config as settings
from kabinet import audit, health, outbox
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import OutboxMessage, ScheduledJob, User, WorkerHeartbeat
from kabinet.worker import holders

FAILED_SHOWN = 50  # the newest failures listed one by one; «Повторить все» takes every one
# cron runs `worker --once` every minute or few: a quarter of an hour without a round means it no longer does
ONCE_QUIET = timedelta(minutes=15)
ADDRESS = re.compile(r"([^\s<>@\"',;:]+)@([^\s<>@\"',;:]+)")


def masked(text: str) -> str:
    """The text with every e-mail address's name hidden and its domain kept, as the platform administrator reads a
    failed e-mail (a tenant's address is the organization's to know; the domain says which mail server refused)."""
    return ADDRESS.sub(lambda found: f"{found[1][:1]}…@{found[2]}", text)


@dataclass(frozen=True)
class Backlog:
    """The outbox at this moment: what waits, since when, what was given up."""

    waiting: int
    retrying: int  # of those waiting, the ones a mail server refused at least once
    oldest_waiting: datetime | None
    failed: int
    failures: list[OutboxMessage]


@dataclass(frozen=True)
class Workers:
    """The worker processes seen lately, newest heartbeat first, and whether any of them is alive now."""

    seen: list[WorkerHeartbeat]
    alive: bool
    by_cron: bool  # none runs now, and the newest was a `--once` run (cron's) within ONCE_QUIET: nothing is amiss
    courier: str  # OUTBOX_COURIER: with "thread" the app servers deliver themselves and no worker is expected


def backlog() -> Backlog:
    """Count the waiting and the failed e-mails; the newest failures with their last error."""
    unsent = OutboxMessage.sent_at.is_(None)
    waiting = select(func.count(), func.count().filter(OutboxMessage.attempts > 0), func.min(OutboxMessage.created_at))
    count, retrying, oldest = db.session.execute(waiting.where(unsent, OutboxMessage.failed_at.is_(None))).one()
    failed = OutboxMessage.failed_at.is_not(None)
    failures = select(OutboxMessage).where(unsent, failed).order_by(OutboxMessage.failed_at.desc())
    return Backlog(
        waiting=count,
        retrying=retrying,
        oldest_waiting=oldest,
        failed=db.session.scalar(select(func.count()).where(unsent, failed)),
        failures=list(db.session.scalars(failures.limit(FAILED_SHOWN))),
    )


def workers() -> Workers:
    """The last heartbeats; alive when one is newer than three missed beats and its worker has not stopped; by cron
    when the newest is a `--once` run's of the last ONCE_QUIET."""
    seen = list(db.session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.beat_at.desc()).limit(10)))
    now = utcnow()
    fresh = holders.stale_before(now)
    alive = any(beat.stopped_at is None and beat.beat_at >= fresh for beat in seen)
    by_cron = bool(seen) and seen[0].once and seen[0].beat_at >= now - ONCE_QUIET
    return Workers(seen=seen, alive=alive, by_cron=by_cron, courier=current_app.config["OUTBOX_COURIER"])


def jobs() -> list[ScheduledJob]:
    """The scheduled jobs with their last run and error."""
    return list(db.session.scalars(select(ScheduledJob).order_by(ScheduledJob.name)))


def database_size() -> int | None:
    """The database's size in bytes: the SQLite file (with its WAL), or pg_database_size; None if unknown."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        return db.session.scalar(text("SELECT pg_database_size(current_database())"))
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        files = [Path(engine.url.database), Path(f"{engine.url.database}-wal")]
        return sum(path.stat().st_size for path in files if path.exists())
    return None


@cache
def kabinet_version() -> str:
    """The VERSION file's text, else `git describe` of the checkout, else "unknown"."""
    version_file = settings.ROOT / "VERSION"
    if version_file.exists():
        return version_file.read_text().strip()
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"], cwd=settings.ROOT, capture_output=True, text=True,
            timeout=5,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return described.stdout.strip() or "unknown"


def versions() -> dict[str, str]:
    """Kabinet, Python, Flask, the database server, and the migrations: the code's head and the database's."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        database = "PostgreSQL " + db.session.scalar(text("SHOW server_version"))
    else:
        database = "SQLite " + ".".join(map(str, engine.dialect.server_version_info or ()))
    return {
        "Kabinet": kabinet_version(),
        "Python": platform.python_version(),
        "Flask": metadata.version("flask"),
        "database": database,
        "head": ", ".join(sorted(health.migration_heads())),
        "current": ", ".join(sorted(health.database_revisions())),
    }


def retry(message: OutboxMessage, *, by: User) -> bool:
    """Put one given-up e-mail back in the queue with a fresh set of attempts, audited; False if it was not given up
    (sent, or waiting already)."""
    if not outbox.retry([message.id]):
        return False
    audit.record("status.retry", target=message, details=message.recipient, user=by)
    db.session.commit()
    return True


def retry_all(*, by: User) -> int:
    """Put every given-up e-mail back in the queue; how many; audited."""
    count = outbox.retry()
    if count:
        audit.record("status.retry_all", details=str(count), user=by)
    db.session.commit()
    return count
