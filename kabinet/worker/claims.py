"""Claiming queued rows (e-mails, Telegram messages) one by one, so that of several workers exactly one sends each;
and what their delivery rounds share: the pace of sending and the round's report.

A row of such a queue has `sent_at`, `failed_at`, `next_attempt_at`, `claimed_until` and `claimed_by`
(kabinet.models.outbox.Delivery). A claim is one conditional UPDATE, committed at once: another worker's UPDATE of the
same row then finds it taken.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

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
