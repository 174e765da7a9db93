"""What an account is charged and what it paid, as the company's accounting system exports them."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models.account import MONEY
from kabinet.models.meter import READING


class Charge(db.Model):
    """One service's charge for one month (the month is stored as its first day)."""

    __tablename__ = "charges"
    __table_args__ = (
        UniqueConstraint("account_id", "month", "service"),
        # The cabinet home sums every charge of the tenant's accounts on each visit (the balance) and those of their
        # latest month: an index holding the amounts answers both without reading the table's rows.
        Index("ix_charges_account_id_month_amounts", "account_id", "month", "amount", "recalculation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    month: Mapped[date]
    service: Mapped[str] = mapped_column(String(128))
    tariff: Mapped[Decimal] = mapped_column(Numeric(14, 4), default=Decimal("0"))
    quantity: Mapped[Decimal] = mapped_column(READING, default=Decimal("0"))
    unit: Mapped[str] = mapped_column(String(16), default="")
    amount: Mapped[Decimal] = mapped_column(MONEY)
    recalculation: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))


class Payment(db.Model):
    """Money received for an account."""

    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_account_id_paid_on", "account_id", "paid_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    paid_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(MONEY)
    source: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
