"""Who holds a claim: every process is named host:pid:start, and a claim whose holder is dead is free at once.

A holder is dead when it runs on this host and its process is gone (or the pid now belongs to a later process), or
when it is a worker whose heartbeat has missed three beats (another host, or a frozen process).
"""

import os
import socket
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, select, update

from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import WorkerHeartbeat

MISSED_BEATS = 3


def _started(pid: int) -> str | None:
    """The process's start time in clock ticks since boot, or None when no such process runs (a zombie is dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, *fields = stat.rpartition(")")[2].split()
    return None if state in {"Z", "X"} else fields[18]  # field 22 of proc(5), counted after the state


@cache
def _me(pid: int) -> str:
    """The holder id of the process `pid` of this host, once per process."""
    return f"{socket.gethostname()}:{pid}:{_started(pid) or 0}"


def me() -> str:
    """This process's holder id (computed again after a fork: the child is another holder)."""
    return _me(os.getpid())


def dead_here(holder: str) -> bool:
    """Whether the holder ran on this host and its process is gone: its claims need not wait for a timeout."""
    host, pid, started = holder.rsplit(":", 2)  # host names hold no colon
    if host != socket.gethostname() or not pid.isdigit() or not Path("/proc/self/stat").exists():
        return False  # another host's process (or no /proc to ask): its heartbeat tells
    return _started(int(pid)) != started


def stale_before(now: datetime) -> datetime:
    """A heartbeat older than this has missed MISSED_BEATS beats."""
    return now - MISSED_BEATS * timedelta(seconds=current_app.config["WORKER_HEARTBEAT_SECONDS"])


def gone(holders: set[str], now: datetime) -> set[str]:
    """Those of `holders` known to be dead: gone from this host, stopped, or silent past three heartbeats."""
    if not holders:
        return set()
    beats = select(WorkerHeartbeat.holder).where(
        WorkerHeartbeat.holder.in_(holders),
        (WorkerHeartbeat.beat_at < stale_before(now)) | WorkerHeartbeat.stopped_at.is_not(None),
    )
    return set(db.session.scalars(beats)) | {holder for holder in holders if dead_here(holder)}


def beat(holder: str, *, stopped: bool = False, once: bool = False) -> None:
    """Record that the holder is alive now (or has stopped cleanly; `once`: after the one round it was run for), in a
    transaction of its own."""
    now = utcnow()
    values = {"beat_at": now, "stopped_at": now if stopped else None, "once": once}
    known = update(WorkerHeartbeat).where(WorkerHeartbeat.holder == holder)
    if not db.session.execute(known.values(**values)).rowcount:
        host, pid, _ = holder.rsplit(":", 2)
        db.session.add(WorkerHeartbeat(holder=holder, host=host, pid=int(pid), started_at=now, **values))
    db.session.commit()


def forget_silent(kept_for: timedelta = timedelta(days=7)) -> int:
    """Delete the heartbeats of workers silent for longer than `kept_for` (the worker's job); how many went."""
    return db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < utcnow() - kept_for)).rowcount
