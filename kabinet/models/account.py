"""Personal accounts (лицевые счета), the code words that open them, and who they are bound to."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models.organization import Building, Organization

MONEY = Numeric(14, 2)


def premises_address(house: str, premises: str) -> str:
    """An account's address: its building's, and the premises (an apartment, a parking space) in it."""
    return f"{house}, кв. {premises}"


class Account(db.Model):
    """The billing account of one apartment, parking space or storage room."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("organization_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    number: Mapped[str] = mapped_column(String(32))
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    premises: Mapped[str] = mapped_column(String(16))
    owner_name: Mapped[str] = mapped_column(String(255), default="")
    area: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    residents: Mapped[int] = mapped_column(default=0)
    opening_balance: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    is_closed: Mapped[bool] = mapped_column(default=False)
    # The code word is kept only as a salted hash; a new one replaces the old.
    code_word_hash: Mapped[str | None] = mapped_column(String(64))
    code_word_salt: Mapped[str | None] = mapped_column(String(32))
    code_word_issued_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship()
    building: Mapped[Building] = relationship()

    @property
    def address(self) -> str:
        return premises_address(self.building.address, self.premises)

    def __repr__(self) -> str:
        return f"<Account {self.number}>"


class AccountBinding(db.Model):
    """A user who may see an account: its owner or a resident. An account may have several (a family)."""

    __tablename__ = "account_bindings"
    __table_args__ = (UniqueConstraint("user_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # owner | resident
    method: Mapped[str] = mapped_column(String(16))  # code_word | address
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[Account] = relationship()


# The order a tenant bound their accounts: every list of them, and "their" organization (the first bound account's).
BOUND_ORDER = (AccountBinding.created_at, AccountBinding.id)


class BindingRequest(db.Model):
    """A tenant's request to bind the account at an address, waiting for the company's staff."""

    __tablename__ = "binding_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"))
    premises: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | approved | rejected
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))  # the one approved

    building: Mapped[Building] = relationship()


class BindingDraft(db.Model):
    """The binding wizard's answers so far, kept on the server: the browser's session holds only this row's id, and
    finishing deletes the row, so a copy of an old cookie can neither replay nor forge a step."""

    __tablename__ = "binding_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    way: Mapped[str] = mapped_column(String(16))  # number | address
    done: Mapped[int] = mapped_column(default=1)  # the last step answered
    number: Mapped[str] = mapped_column(String(32), default="")
    # The accounts the code word opened, each with the digest of its code word then: the proof checked at the finish.
    opened: Mapped[dict] = mapped_column(JSON, default=dict)
    selected: Mapped[list] = mapped_column(JSON, default=list)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    premises: Mapped[str] = mapped_column(String(16), default="")
    role: Mapped[str] = mapped_column(String(16), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
