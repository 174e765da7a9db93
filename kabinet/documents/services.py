"""What a tenant may read of the organizations' documents, and how a document's PDF is answered.

A tenant sees a document when one of their accounts is in its organization and, for a document of one building, in
that building. A building belongs to one organization, so the two conditions need no pairing.
"""

import unicodedata
from urllib.parse import quote

from flask import Response
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from kabinet import storage
from kabinet.extensions import db
from kabinet.models import AccountBinding, Document

KIND_LABELS = {
    "report": _l("Отчёт"),
    "contract": _l("Договор"),
    "protocol": _l("Протокол"),
    "tariff": _l("Тариф"),
    "other": _l("Прочее"),
}
PER_PAGE = 30
# The PDF viewer of a browser runs in its own sandbox; the page's CSP (object-src 'none') would stop some browsers
# from showing a PDF at all, and nothing in a PDF may frame it or load from here.
PDF_POLICY = "default-src 'none'; object-src 'self'; frame-ancestors 'none'"


def _visible(organizations, buildings) -> tuple:
    """The conditions on Document for these organizations and buildings: lists of ids, or selects of them."""
    return (
        Document.organization_id.in_(organizations),
        or_(Document.building_id.is_(None), Document.building_id.in_(buildings)),
    )


def _of_bindings(bindings: list[AccountBinding]) -> tuple:
    """The conditions on Document for the documents of the tenant's accounts' organizations and buildings."""
    accounts = [binding.account for binding in bindings]
    return _visible(
        sorted({account.organization_id for account in accounts}), sorted({account.building_id for account in accounts})
    )


def _newest_first(query):
    return query.order_by(Document.issued_on.desc(), Document.id.desc())


def documents_for(bindings: list[AccountBinding], kind: str = "", page: int = 1):
    """A page of the tenant's documents, newest first, of one kind when `kind` is given."""
    query = select(Document).where(*_of_bindings(bindings)).options(joinedload(Document.file))
    if kind:
        query = query.where(Document.kind == kind)
    return db.paginate(_newest_first(query), page=page, per_page=PER_PAGE, error_out=False, max_per_page=PER_PAGE)


def document_for(bindings: list[AccountBinding], document_id: int) -> Document | None:
    """One document the tenant may read; None for another organization's or another building's."""
    if not bindings:
        return None
    query = select(Document).where(Document.id == document_id, *_of_bindings(bindings))
    return db.session.scalar(query.options(joinedload(Document.file)))


def latest_statement(organizations, buildings):
    """The newest document of these organizations for these buildings (as _visible() takes them). The cabinet home
    runs it inside its one query for the cards, with the organizations and buildings of the tenant's accounts."""
    return _newest_first(select(Document).where(*_visible(organizations, buildings))).limit(1)


def disposition(name: str, fallback: str) -> str:
    """A Content-Disposition that keeps a Cyrillic file name (RFC 5987's filename*) with an ASCII one for old
    clients: the name's Latin letters when it has enough of them, else `fallback`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(char for char in ascii_name if char.isalnum() or char in "._- ").strip()
    if not ascii_name.removesuffix(".pdf").strip(" ._-"):
        ascii_name = fallback
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def pdf_response(document: Document) -> Response:
    """The document's PDF, shown by the browser and saved under its own name (a 304 when the browser has it)."""
    answer = storage.response(document.file)
    answer.headers["Content-Disposition"] = disposition(document.file.name or "", f"document-{document.id}.pdf")
    answer.headers["Content-Security-Policy"] = PDF_POLICY
    return answer
