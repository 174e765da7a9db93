"""The rules of the staff's documents: a PDF checked and stored, the tenants notified once with the publishing, a
description changed, a document withdrawn; each change in the audit log in the same transaction.

Each function that finds a document takes the staff user's organization, so another organization's is never found.
"""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from kabinet import audit, storage
from kabinet.audience import tenants_of
from kabinet.clock import utcnow
from kabinet.documents.services import KIND_LABELS
from kabinet.extensions import db
from kabinet.models import Document, Organization, User
from kabinet.notifications import notify_all
from kabinet.urls import external_url

PER_PAGE = 30
PUBLISHERS = ("accountant",)  # with the admin: the reports and tariffs come from the accounting
PDF_HEADER = b"%PDF-"
PERIOD = re.compile(r"(\d{4})(?:-(\d{2}))?")


class Refused(Exception):
    """A file that is not a PDF we accept; the message says why, for the staff."""


def read_pdf(stream, max_mb: int) -> bytes:
    """The uploaded file's bytes when it is a PDF (by its header, whatever its name says) of at most `max_mb` MB."""
    limit = max_mb * 1024 * 1024
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise Refused(_l("Файл больше %(max)d МБ. Уменьшите его (например, сохраните скан в меньшем разрешении).",
                         max=max_mb))  # fmt: skip
    if not content.startswith(PDF_HEADER):
        raise Refused(_l("Это не файл PDF. Сохраните документ как PDF и выберите его снова."))
    return content


def read_period(text: str) -> str:
    """A report's period as stored: "2026-10" for a month, "2026" for a year; ValueError for anything else."""
    matched = PERIOD.fullmatch(text.strip())
    if not matched or not 1900 <= int(matched[1]) <= 2100 or (matched[2] and not 1 <= int(matched[2]) <= 12):
        raise ValueError(text)
    return matched[0]


def file_name(name: str) -> str:
    """The name the file had on the staff's computer, without its folders, short enough to keep (its end stays)."""
    name = re.split(r"[\\/]", name or "")[-1].strip() or "document.pdf"
    return name if len(name) <= 128 else name[:60] + "…" + name[-67:]


def documents_of(organization: Organization, page: int = 1):
    """The organization's documents, the latest date first, with their file's size and their building."""
    query = (
        select(Document)
        .where(Document.organization_id == organization.id)
        .options(joinedload(Document.file), joinedload(Document.building))
        .order_by(Document.issued_on.desc(), Document.id.desc())
    )
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False, max_per_page=PER_PAGE)


def document_of(organization: Organization, document_id: int) -> Document | None:
    """One document of the organization; None for any other organization's."""
    return db.session.scalar(
        select(Document)
        .where(Document.id == document_id, Document.organization_id == organization.id)
        .options(joinedload(Document.file), joinedload(Document.building))
    )


def recipients(document: Document) -> list[User]:
    """The tenants the document is for: bound to an open account of its organization (of its building, if it has
    one), confirmed, not blocked."""
    buildings = [document.building_id] if document.building_id else []
    return list(
        db.session.scalars(select(User).where(*tenants_of(document.organization_id, buildings)).order_by(User.id))
    )


def publish(
    organization: Organization,
    staff_user: User,
    *,
    content: bytes,
    name: str,
    title: str,
    kind: str,
    issued_on: date,
    period: str | None,
    building_id: int | None,
) -> tuple[Document, int]:
    """Store the PDF, publish the document to its tenants and queue their e-mail, all in one commit; the document and
    how many tenants are written to. A building of another organization is refused (ValueError)."""
    if building_id is not None and building_id not in {building.id for building in organization.buildings}:
        raise ValueError("the building is not the organization's")
    document = Document(
        organization_id=organization.id,
        building_id=building_id,
        file=storage.put(content, kind="document", content_type="application/pdf", name=file_name(name)),
        title=title,
        kind=kind,
        issued_on=issued_on,
        period=period if kind == "report" else None,
        created_by=staff_user.id,
        notified_at=utcnow(),
    )
    db.session.add(document)
    db.session.flush()  # its id, for the audit's target and the e-mail's link
    tenants = recipients(document)
    link = external_url("documents.show", document_id=document.id)
    told = notify_all(
        tenants,
        "document",
        f"document:{document.id}",
        "documents/published",
        document=document,
        kind_labels=KIND_LABELS,
        link=link,
        organization=organization,
    )
    emailed = sum("email" in channels for channels in told)
    audit.record("document.publish", target=document, details=f"{title} ({emailed})", user=staff_user)
    db.session.commit()
    return document, emailed


def describe(
    document: Document, staff_user: User, *, title: str, kind: str, issued_on: date, period: str | None
) -> bool:
    """Change what the tenants read of the document (the file and its audience stay); False when nothing changed."""
    wanted = {"title": title, "kind": kind, "issued_on": issued_on, "period": period if kind == "report" else None}
    changed = [field for field, value in wanted.items() if getattr(document, field) != value]
    if not changed:
        return False
    for field in changed:
        setattr(document, field, wanted[field])
    audit.record("document.update", target=document, details=f"{title}: {', '.join(changed)}", user=staff_user)
    db.session.commit()
    return True


def withdraw(document: Document, staff_user: User) -> None:
    """Remove the document and its PDF for good; e-mails already sent keep only a link that now answers 404."""
    audit.record("document.delete", target=document, details=document.title, user=staff_user)
    file_id = document.file_id
    db.session.delete(document)
    db.session.flush()  # the document first: it names the file
    storage.delete(file_id)
    db.session.commit()
