"""Requests to the emergency dispatch service (заявки в АДС), their history and photos."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models.account import Account
from kabinet.models.storage import StoredFile

CATEGORIES = ("leak", "no_water", "no_heating", "no_electricity", "elevator", "sewage", "other")
# "reopened": a done request the tenant sent back (kabinet.dispatch.services.reopen); only the tenant sets it.
STATUSES = ("new", "in_progress", "done", "rejected", "cancelled", "reopened")
OPEN_STATUSES = ("new", "in_progress", "reopened")
AWAITING_STATUSES = ("new", "reopened")  # nobody has taken them (again) yet: first in the queue


class DispatchRequest(db.Model):
    """A tenant's request about an apartment or a common area; its id is the number the tenant quotes."""

    __tablename__ = "dispatch_requests"
    __table_args__ = (Index("ix_dispatch_requests_account_id_created_at", "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    category: Mapped[str] = mapped_column(String(24))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(255))
    contact_phone: Mapped[str] = mapped_column(String(20))
    access_time: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    source: Mapped[str] = mapped_column(String(16), default="tenant")  # tenant | phone (filed by a dispatcher)
    executor_id: Mapped[int | None] = mapped_column(ForeignKey("executors.id", ondelete="SET NULL"))
    rating: Mapped[int | None]
    rating_comment: Mapped[str] = mapped_column(String(1000), default="")
    rated_at: Mapped[datetime | None]
    # When the tenant last sent it back: its deadline counts from then (kabinet.dispatch.deadlines).
    reopened_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[Account | None] = relationship()
    events: Mapped[list["DispatchEvent"]] = relationship(
        back_populates="request", order_by="DispatchEvent.created_at, DispatchEvent.id"
    )
    photos: Mapped[list["DispatchPhoto"]] = relationship(back_populates="request", order_by="DispatchPhoto.id")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class DispatchEvent(db.Model):
    """One line of a request's history: a status change or a comment, by the tenant or the staff."""

    __tablename__ = "dispatch_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("dispatch_requests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(16))  # tenant | staff
    status: Mapped[str | None] = mapped_column(String(16))  # the new status, when it changed
    text: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[int | None]  # the tenant's mark, on the line that gave it (text: its comment)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[DispatchRequest] = relationship(back_populates="events")


class DispatchPhoto(db.Model):
    """A photo of a request, re-encoded; its bytes are a StoredFile in the database, served by a checked route."""

    __tablename__ = "dispatch_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("dispatch_requests.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[DispatchRequest] = relationship(back_populates="photos")
    file: Mapped[StoredFile] = relationship()


class DispatchDeadline(db.Model):
    """How many hours the organization gives itself for a request of one category; a category without a row has
    DISPATCH_OVERDUE_HOURS."""

    __tablename__ = "dispatch_deadlines"
    __table_args__ = (UniqueConstraint("organization_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    category: Mapped[str] = mapped_column(String(24))
    hours: Mapped[int]
