"""The management company (or association) and its houses."""

import re

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kabinet.extensions import db

PHONE_SEPARATORS = re.compile(r"[,;]")
# What kind of body runs the houses: a management company, a cooperative (Kazakhstan), an association of owners.
KINDS = ("uk", "ksk", "osi", "tszh")


class Organization(db.Model):
    """A УК, КСК, ОСИ or ТСЖ: its requisites go on the receipt, its contacts on the contacts page."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8), default="uk", server_default="uk")  # one of KINDS
    inn: Mapped[str] = mapped_column(String(12), default="")
    kpp: Mapped[str] = mapped_column(String(9), default="")
    ogrn: Mapped[str] = mapped_column(String(15), default="")  # ОГРН, or ОГРНИП (15 digits) of an entrepreneur
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
    # Plain text the admin writes; empty: the agreement page shows AGREEMENT_FILE or the built-in text, e-mails end
    # without a signature.
    agreement: Mapped[str] = mapped_column(Text, default="")
    email_signature: Mapped[str] = mapped_column(Text, default="")

    buildings: Mapped[list["Building"]] = relationship(back_populates="organization", order_by="Building.address")

    @property
    def phone_list(self) -> list[str]:
        """The phones as the staff typed them, one by one (they separate them with commas or semicolons)."""
        return [p.strip() for p in PHONE_SEPARATORS.split(self.phones or "") if p.strip()]

    @property
    def phone(self) -> str:
        """The phone the header shows: the first one."""
        return next(iter(self.phone_list), "")

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
