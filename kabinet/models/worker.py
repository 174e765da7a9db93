"""The worker's bookkeeping: who is alive (heartbeats) and when each scheduled job runs next."""

from datetime import datetime

from sqlalchemy import String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from kabinet.clock import utcnow
from kabinet.extensions import db


class WorkerHeartbeat(db.Model):
    """One worker process, by its holder id (host:pid:start), and the last time it said it was alive."""

    __tablename__ = "worker_heartbeats"

    holder: Mapped[str] = mapped_column(String(160), primary_key=True)
    host: Mapped[str] = mapped_column(String(128))
    pid: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    stopped_at: Mapped[datetime | None]  # a worker that stopped cleanly says so: its absence is then no alarm
    # Run by `worker --once` (from cron): it stops after each round by design, and the next run is another holder.
    once: Mapped[bool] = mapped_column(default=False, server_default=false())


class ScheduledJob(db.Model):
    """A periodic job: its next run is claimed by one conditional UPDATE, so one worker of many runs it."""

    __tablename__ = "scheduled_jobs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    last_holder: Mapped[str] = mapped_column(String(160), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
