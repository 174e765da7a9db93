"""E-mail waiting to go out: written in the same transaction as the change that caused it."""

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kabinet.clock import utcnow
from kabinet.extensions import db


class Delivery:
    """The columns of a queued message that a worker claims, sends, retries or gives up (kabinet.worker.claims)."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_until: Mapped[datetime | None]
    # The process sending it (kabinet.worker.holders): its claim ends at once when that process is known to be dead.
    claimed_by: Mapped[str | None] = mapped_column(String(160))
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")


class OutboxMessage(Delivery, db.Model):
    """One e-mail, kept until delivered or given up after the last retry."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    sender_name: Mapped[str] = mapped_column(String(255), default="")  # the organization the e-mail speaks for
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # Headers of its own beyond the usual ones: a notification's List-Unsubscribe (RFC 8058).
    headers: Mapped[dict | None] = mapped_column(JSON)
