"""What tenants are told and how: their choices per kind and channel, what was sent, and each organization's say."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kabinet.clock import utcnow
from kabinet.extensions import db

# An organization's debt reminder until its admin says otherwise: on the 20th, to debts from 100 (₽ or ₸).
DEBT_DAY = 20
DEBT_MINIMUM = Decimal("100.00")


class NotificationChoice(db.Model):
    """A user's own choice for one kind on one channel; without a row the kind's default holds."""

    __tablename__ = "notification_choices"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    enabled: Mapped[bool]
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NotificationSent(db.Model):
    """The ledger: one event told to one user on one channel; its uniqueness makes every job safe to run again."""

    __tablename__ = "notifications_sent"
    __table_args__ = (UniqueConstraint("user_id", "kind", "event_key", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    event_key: Mapped[str] = mapped_column(String(128))  # what happened, e.g. "2026-11" or "request:12:status:5"
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrganizationNotices(db.Model):
    """What an organization tells its tenants unasked (kabinet.notifications.KINDS) and when; no row: everything,
    with the defaults below."""

    __tablename__ = "organization_notices"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    kinds_off: Mapped[list] = mapped_column(JSON, default=list)  # the kinds it does not send
    debt_day: Mapped[int] = mapped_column(default=DEBT_DAY)  # the day of the month the debt reminder goes out
    debt_minimum: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=DEBT_MINIMUM)
