"""Claiming queued rows (e-mails, Telegram messages) one by one, so that of several workers exactly one sends each;
and their delivery round (`deliver`): paced, counted, each failure retried with a backoff or given up.

A row of such a queue has `sent_at`, `failed_at`, `next_attempt_at`, `claimed_until` and `claimed_by`
(kabinet.models.outbox.Delivery). A claim is one conditional UPDATE, committed at once: another worker's UPDATE of the
same row then finds it taken.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.worker import holders


def due(model, now: datetime) -> list:
    """The conditions of a row to send now: not sent, not given up, its time come, nobody else on it."""
    return [
        model.sent_at.is_(None),
        model.failed_at.is_(None),
        model.next_attempt_at <= now,
        or_(model.claimed_until.is_(None), model.claimed_until < now),
    ]


def release_abandoned(model, now: datetime) -> set[str]:
    """Free the claims of senders known to be dead (kabinet.worker.holders), so that their rows go now and not after
    the claim's time; which holders they were."""
    held = select(model.claimed_by).where(
        model.sent_at.is_(None), model.failed_at.is_(None), model.claimed_by.is_not(None)
    )
    dead = holders.gone(set(db.session.scalars(held.distinct())), now)
    if dead:
        free = update(model).where(model.claimed_by.in_(dead), model.sent_at.is_(None))
        db.session.execute(free.values(claimed_until=None, claimed_by=None))
    db.session.commit()
    return dead


def claim_due(model, clock: datetime | None, claim_for: timedelta, *, limit: int | None = None, order=None):
    """Yield the due rows (up to `limit`, in `order`, else by next attempt) one by one, each claimed for `claim_for`
    with all its conditions checked again. A clock moves time forward (tests); without one each claim reads it."""
    query = select(model.id).where(*due(model, clock or utcnow()))
    query = query.order_by(order if order is not None else model.next_attempt_at).limit(limit)
    for row_id in db.session.scalars(query).all():
        now = clock or utcnow()
        claimed = db.session.execute(
            update(model)
            .where(model.id == row_id, *due(model, now))
            .values(claimed_until=now + claim_for, claimed_by=holders.me())
        )
        db.session.commit()
        if claimed.rowcount == 1:
            yield db.session.get(model, row_id)


class Pace:
    """At most `rate` sends a second, evenly spaced: each send waits until 1/rate after the one before it (the SMTP
    provider's limit, Telegram's ~30 a second for a bot). The clock and the sleep are injected, so that the tests count
    the waits instead of waiting."""

    def __init__(
        self, rate: float, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ):
        self.rate, self.clock, self.sleep = rate, clock, sleep
        self.next_at = None

    def __call__(self) -> None:
        """Wait for this send's turn (no wait without a rate)."""
        if self.rate <= 0:
            return
        now = self.clock()
        if self.next_at is not None and self.next_at > now:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + 1 / self.rate


@dataclass
class Report:
    """What one delivery round did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


class Refused(Exception):
    """The receiving side's answer that one message did not go, as a channel's sender tells it to `deliver`: `final`
    when repeating it changes nothing (given up at once), else tried again `after` the seconds the side asked to wait,
    or at the backoff. Any other exception of a sender is a failure to retry at the backoff."""

    def __init__(self, reason: str, *, final: bool = False, after: int | None = None):
        super().__init__(reason)
        self.final, self.after = final, after


def backoff(attempts: int) -> timedelta:
    """Half a minute after the first failure, doubling up to an hour."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


@dataclass(frozen=True)
class Queue:
    """A queue of messages and how its delivery rounds go (`deliver`).

    Its rows are `model`'s, called `name` in the log. A round sends at most the setting `rate_setting` a second and
    `round_seconds`' worth (the worker's other jobs get their turn); a rate of 0 or less means no limit, neither pace
    nor count. A row is claimed for `claim_for` and given up after the setting `attempts_setting`. With a
    `conversation` column, the rows sharing its value go in the order they were written, and when one must wait its
    later ones wait with it. With `halt_on_retry` a round ends at its first failure to retry: the other side is down or
    asks to slow down, and the next rows would fare no better now."""

    model: type
    name: str
    rate_setting: str
    attempts_setting: str
    round_seconds: int
    claim_for: timedelta
    conversation: object = None
    halt_on_retry: bool = False


def deliver(
    queue: Queue, send_one: Callable[[object], None], clock: datetime | None = None, pace: Pace | None = None
) -> Report:
    """One delivery round of `queue`: send its due rows through `send_one`, which raises Refused (or anything) when one
    did not go; a failure is retried at the backoff, or after the time the other side asked, until the last attempt.

    A clock moves time forward (tests); without one, each claim reads the time afresh."""
    model, name, config = queue.model, queue.name, current_app.config
    report = Report()
    if dead := release_abandoned(model, clock or utcnow()):
        current_app.logger.warning("%s claims of stopped senders released: %s", name, ", ".join(sorted(dead)))
    rate = config[queue.rate_setting]
    pace = pace or Pace(rate)
    limit = max(1, int(rate * queue.round_seconds)) if rate > 0 else None
    order = model.id if queue.conversation is not None else None
    for row in claim_due(model, clock, queue.claim_for, limit=limit, order=order):
        pace()
        outcome = _attempt(queue, row, send_one, clock or utcnow(), config[queue.attempts_setting])
        setattr(report, outcome, getattr(report, outcome) + 1)
        row.claimed_until = row.claimed_by = None
        db.session.commit()
        if outcome == "retried" and queue.halt_on_retry:
            break
    if report != Report():
        counts = report.sent, report.retried, report.failed
        current_app.logger.info("%s round: sent %s, to retry %s, given up %s", name, *counts)
    return report


def _attempt(queue: Queue, row, send_one, now: datetime, max_attempts: int) -> str:
    """Send one row and note how it went; which of the report's counts it adds to."""
    try:
        send_one(row)
    except Exception as error:  # noqa: BLE001 -- whatever the other side says, the row waits for the next try
        refusal = error if isinstance(error, Refused) else Refused(f"{type(error).__name__}: {error}")
        row.attempts += 1
        row.last_error = str(refusal)[:2000]
        if refusal.final or row.attempts >= max_attempts:
            row.failed_at = now
            current_app.logger.error("%s %s given up: %s", queue.name, row.id, row.last_error)
            return "failed"
        row.next_attempt_at = now + (timedelta(seconds=refusal.after) if refusal.after else backoff(row.attempts))
        if queue.conversation is not None:
            _hold_back(row, queue.conversation)
        current_app.logger.warning("%s %s will be retried: %s", queue.name, row.id, row.last_error)
        return "retried"
    row.sent_at = utcnow()
    return "sent"


def _hold_back(row, conversation) -> None:
    """The conversation's later rows wait for this one: a conversation read out of order makes no sense."""
    model = type(row)
    db.session.execute(
        update(model)
        .where(conversation == getattr(row, conversation.key), model.id > row.id, model.sent_at.is_(None),
               model.next_attempt_at < row.next_attempt_at)
        .values(next_attempt_at=row.next_attempt_at)
    )  # fmt: skip
