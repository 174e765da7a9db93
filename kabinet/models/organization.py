"""The management company (or association) and its houses."""

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kabinet.extensions import db


class Organization(db.Model):
    """A УК, КСК, ОСИ or ТСЖ: its requisites go on the receipt, its contacts on the contacts page."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    inn: Mapped[str] = mapped_column(String(12), default="")
    kpp: Mapped[str] = mapped_column(String(9), default="")
    bank_name: Mapped[str] = mapped_column(String(255), default="")
    bic: Mapped[str] = mapped_column(String(9), default="")
    settlement_account: Mapped[str] = mapped_column(String(20), default="")
    correspondent_account: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    phones: Mapped[str] = mapped_column(String(255), default="")
    dispatch_phone: Mapped[str] = mapped_column(String(64), default="")
    opening_hours: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    # The days of the month on which tenants submit meter readings (both included); 1-31 is the whole month.
    readings_from_day: Mapped[int] = mapped_column(default=1)
    readings_until_day: Mapped[int] = mapped_column(default=31)
    staff_totp_required: Mapped[bool] = mapped_column(default=False)  # the admin requires a second factor of all staff

    buildings: Mapped[list["Building"]] = relationship(back_populates="organization", order_by="Building.address")

    def __repr__(self) -> str:
        return f"<Organization {self.name}>"


class Building(db.Model):
    """A house of the organization, known by its address."""

    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("organization_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    address: Mapped[str] = mapped_column(String(255))

    organization: Mapped[Organization] = relationship(back_populates="buildings")

    def __repr__(self) -> str:
        return f"<Building {self.address}>"


class Executor(db.Model):
    """Whom the dispatcher assigns requests to (a plumber, an electrician, a contractor); the admin keeps the list."""

    __tablename__ = "executors"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    is_active: Mapped[bool] = mapped_column(default=True)
