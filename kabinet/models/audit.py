"""The audit log: every staff action and every security event, append-only from the app."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kabinet.clock import utcnow
from kabinet.extensions import db


class AuditEvent(db.Model):
    """Who did what, to what, when and from where. The app only ever inserts these rows."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(254), default="")  # the login (or what was typed) at the time
    action: Mapped[str] = mapped_column(String(64), index=True)  # e.g. login, login_failed, dispatch.status
    target: Mapped[str] = mapped_column(String(128), default="")  # e.g. "dispatch_request:12"
    details: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str] = mapped_column(String(45), default="")
