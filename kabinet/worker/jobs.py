"""The worker's jobs: a plain list (JOBS) that features extend, each run every round or once per period.

A job with a period is claimed through its `scheduled_jobs` row by one conditional UPDATE (its next run moved
forward only where it is due), so of several workers exactly one runs it each period. A job without a period runs
every round on every worker: it claims its own rows (the outbox claims message by message).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from kabinet.accounts import wizard
from kabinet.auth.services import sweep_sessions
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import ScheduledJob
from kabinet.notifications import jobs as reminders
from kabinet.outbox import deliver_due
from kabinet.profile import services as profile
from kabinet.staff.imports import services as import_uploads
from kabinet.telegram import outbox as telegram_outbox
from kabinet.telegram import polling as telegram_polling
from kabinet.telegram import services as telegram
from kabinet.worker import holders


@dataclass(frozen=True)
class Job:
    """One piece of the worker's work: `run()` inside an app context; `every` None means every round."""

    name: str
    run: Callable[[], object]
    every: timedelta | None = None


# Issue 13's reminders and any later job: JOBS.append(Job("name", function, timedelta(...))).
JOBS: list[Job] = [
    Job("outbox", deliver_due),
    Job("binding-drafts", wizard.sweep, timedelta(hours=1)),
    Job("import-uploads", import_uploads.sweep_uploads, timedelta(hours=1)),
    Job("sessions", sweep_sessions, timedelta(days=1)),
    Job("email-changes", profile.forget_unconfirmed_emails, timedelta(hours=1)),
    Job("heartbeats", holders.forget_silent, timedelta(days=1)),
    Job("telegram", telegram_outbox.deliver_due),  # every round: it claims its own messages, as the outbox does
    Job("telegram-updates", telegram_polling.poll, timedelta(seconds=1)),  # one worker at a time asks getUpdates
    Job("telegram-sweep", telegram.sweep, timedelta(hours=1)),
]
# Issue 13: the tenants' reminders, hourly: each organization's day turns in its own time zone, and the ledger makes
# a second run of the same day tell nobody again.
JOBS += [
    Job("reminder-readings-open", reminders.readings_open, timedelta(hours=1)),
    Job("reminder-readings-closing", reminders.readings_closing, timedelta(hours=1)),
    Job("reminder-receipt-ready", reminders.receipt_ready, timedelta(hours=1)),
    Job("reminder-debt", reminders.debt, timedelta(hours=1)),
]


def claim(job: Job, holder: str, now: datetime) -> bool:
    """Whether this holder won the job's run that is due now (False: not due, or another worker won it)."""
    if db.session.get(ScheduledJob, job.name) is None:
        try:
            with db.session.begin_nested():
                db.session.add(ScheduledJob(name=job.name, next_run_at=now))
        except IntegrityError:
            pass  # another worker added the row meanwhile: the UPDATE below decides between us
    won = db.session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.name == job.name, ScheduledJob.next_run_at <= now)
        .values(next_run_at=now + job.every, last_started_at=now, last_holder=holder)
    )
    db.session.commit()
    return won.rowcount == 1


def run_round(holder: str, jobs: list[Job] | None = None) -> list[str]:
    """Run every job that is due and won by this holder; the names of those run. A failing job is logged and
    noted on its row, and the round goes on."""
    holders.beat(holder)
    done = []
    for job in JOBS if jobs is None else jobs:
        if job.every is not None and not claim(job, holder, utcnow()):
            continue
        error = ""
        try:
            outcome = job.run()
            db.session.commit()
            if job.every is not None:
                current_app.logger.info("Job %s done%s", job.name, "" if outcome is None else f": {outcome}")
        except Exception as exc:  # noqa: BLE001 -- one job's failure must not stop the others, nor the worker
            db.session.rollback()
            error = f"{type(exc).__name__}: {exc}"[:2000]
            current_app.logger.exception("Job %s failed", job.name)
        if job.every is not None:
            finished = update(ScheduledJob).where(ScheduledJob.name == job.name)
            db.session.execute(finished.values(last_finished_at=utcnow(), last_error=error))
            db.session.commit()
        done.append(job.name)
    return done
