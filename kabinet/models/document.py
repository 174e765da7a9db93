"""Documents an organization publishes to its tenants («Документы»): reports, contracts, protocols, tariffs."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models.organization import Building
from kabinet.models.storage import StoredFile

DOCUMENT_KINDS = ("report", "contract", "protocol", "tariff", "other")


class Document(db.Model):
    """A PDF for the tenants of the whole organization or of one building; its bytes are a StoredFile."""

    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_organization_id_issued_on", "organization_id", "issued_on"),
        # The chairman's reminder asks whether the report for a period is there (kabinet.staff.documents.reports).
        Index("ix_documents_organization_id_kind_period", "organization_id", "kind", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    # None: every house of the organization.
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # one of DOCUMENT_KINDS
    issued_on: Mapped[date]  # the document's own date, which orders the tenants' list
    # What a report covers: "2026-10" a month, "2026" a year; None for the other kinds.
    period: Mapped[str | None] = mapped_column(String(7))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    notified_at: Mapped[datetime | None]  # when the tenants were e-mailed: once, with the publishing

    building: Mapped[Building | None] = relationship()
    file: Mapped[StoredFile] = relationship()
