"""The waiting list: people whose house no organization on the platform serves yet."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from kabinet.clock import utcnow
from kabinet.extensions import db


class WaitingAddress(db.Model):
    """An address typed at the first-login form that matched no house, and the e-mail to tell when one does."""

    __tablename__ = "waiting_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    city: Mapped[str] = mapped_column(String(64))
    street: Mapped[str] = mapped_column(String(128))
    house: Mapped[str] = mapped_column(String(16))
    premises: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the e-mail went into the outbox: a person is told once, whatever houses are added later.
    notified_at: Mapped[datetime | None] = mapped_column(index=True)

    @property
    def address(self) -> str:
        """The address as the person typed it."""
        return ", ".join(part for part in (self.city, self.street, self.house) if part)
