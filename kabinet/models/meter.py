"""Meters of an account and their readings."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kabinet.clock import utcnow
from kabinet.extensions import db

READING = Numeric(14, 3)
KINDS = ("cold_water", "hot_water", "electricity", "electricity_day", "electricity_night", "heat", "gas")
UNITS = {
    "cold_water": "м³",
    "hot_water": "м³",
    "electricity": "кВт·ч",
    "electricity_day": "кВт·ч",
    "electricity_night": "кВт·ч",
    "heat": "Гкал",
    "gas": "м³",
}


class Meter(db.Model):
    """A meter (прибор учёта) of an account; a replaced one stays with its history, inactive."""

    __tablename__ = "meters"
    __table_args__ = (UniqueConstraint("account_id", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    serial: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24))
    unit: Mapped[str] = mapped_column(String(16))
    verification_due: Mapped[date | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    closed_on: Mapped[date | None]  # replaced on this day, with its final reading

    readings: Mapped[list["Reading"]] = relationship(back_populates="meter", order_by="Reading.taken_on")


class Reading(db.Model):
    """One reading of a meter on a date: from the company's import, the tenant or the staff."""

    __tablename__ = "readings"
    __table_args__ = (UniqueConstraint("meter_id", "taken_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id", ondelete="CASCADE"), index=True)
    taken_on: Mapped[date]
    value: Mapped[Decimal] = mapped_column(READING)
    source: Mapped[str] = mapped_column(String(16))  # import | tenant | staff
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meter: Mapped[Meter] = relationship(back_populates="readings")
    changes: Mapped[list["ReadingChange"]] = relationship(order_by="ReadingChange.created_at")


class ReadingChange(db.Model):
    """An earlier value of a reading the tenant submitted again in the same month, or the staff corrected."""

    __tablename__ = "reading_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    reading_id: Mapped[int] = mapped_column(ForeignKey("readings.id", ondelete="CASCADE"), index=True)
    old_value: Mapped[Decimal] = mapped_column(READING)
    old_taken_on: Mapped[date]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
