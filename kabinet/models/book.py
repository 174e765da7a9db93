"""The complaints and suggestions book (книга жалоб и предложений), feedback and announcements."""

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models.organization import Building

BOOK_KINDS = ("complaint", "suggestion", "gratitude")


class BookEntry(db.Model):
    """A tenant's entry; the company answers it and may publish the answered entry to the organization's tenants."""

    __tablename__ = "book_entries"
    __table_args__ = (Index("ix_book_entries_organization_id_published", "organization_id", "is_published"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    is_published: Mapped[bool] = mapped_column(default=False)


class Feedback(db.Model):
    """A message from the "Обратная связь" form, from a tenant or a visitor who is not logged in."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(128))
    contact: Mapped[str] = mapped_column(String(254))  # an e-mail or a phone
    message: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="new")  # new | done
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


announcement_buildings = Table(
    "announcement_buildings",
    db.metadata,
    Column("announcement_id", ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True),
    Column("building_id", ForeignKey("buildings.id", ondelete="CASCADE"), primary_key=True),
)


class Announcement(db.Model):
    """News of the company ("Объявления"), for the whole organization or for chosen buildings, for a period."""

    __tablename__ = "announcements"
    __table_args__ = (Index("ix_announcements_organization_id_published_on", "organization_id", "published_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    published_on: Mapped[date]
    until: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    emailed_at: Mapped[datetime | None]  # when it was sent to the tenants of its buildings

    buildings: Mapped[list[Building]] = relationship(secondary=announcement_buildings)  # none: the whole organization
