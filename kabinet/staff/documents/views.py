"""The staff's documents: upload a PDF for the tenants, list, change its description, withdraw it."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from kabinet import messages
from kabinet.clock import local_today
from kabinet.documents.services import KIND_LABELS, pdf_response
from kabinet.forms import ButtonForm
from kabinet.messages import notify
from kabinet.staff.access import organization, staff_required
from kabinet.staff.documents import services
from kabinet.staff.documents.forms import DocumentForm, UploadForm
from kabinet.staff.documents.services import PUBLISHERS
from kabinet.urls import page_number

bp = Blueprint("staff_documents", __name__, url_prefix="/staff/documents")


def _found(document_id: int):
    found = services.document_of(organization(), document_id)
    if found is None:
        abort(404)
    return found


@bp.context_processor
def _labels():
    return {"kinds": KIND_LABELS}


@bp.route("/")
@staff_required(*PUBLISHERS)
def index():
    """The organization's documents, the latest first, with whom each is for."""
    return render_template("staff/documents/index.html", listed=services.documents_of(organization(), page_number()))


@bp.route("/new", methods=["GET", "POST"])
@staff_required(*PUBLISHERS)
def new():
    """Upload a PDF for all the houses or one; the reminder's link fills in the kind and the period."""
    company = organization()
    prefilled = {"issued_on": local_today(), "kind": request.args.get("kind"), "period": request.args.get("period")}
    form = UploadForm(company, data=prefilled)
    if not form.validate_on_submit():
        return render_template("staff/documents/new.html", form=form), form.http_status
    document, count = services.publish(
        company,
        current_user,
        content=form.content,
        name=form.file.data.filename,
        title=form.title.data,
        kind=form.kind.data,
        issued_on=form.issued_on.data,
        period=form.period.data,
        building_id=form.building_id,
    )
    notify(messages.STAFF_DOCUMENT_PUBLISHED, title=document.title, count=count)
    return redirect(url_for(".index"))


@bp.route("/<int:document_id>", methods=["GET", "POST"])
@staff_required(*PUBLISHERS)
def edit(document_id):
    """Change a document's title, kind, date or period; its file and audience stay as published."""
    found = _found(document_id)
    form = DocumentForm(obj=found)
    if not form.validate_on_submit():
        page = render_template("staff/documents/edit.html", form=form, document=found, action=ButtonForm(formdata=None))
        return page, form.http_status
    fields = {name: getattr(form, name).data for name in ("title", "kind", "issued_on", "period")}
    changed = services.describe(found, current_user, **fields)
    notify(messages.STAFF_DOCUMENT_SAVED if changed else messages.STAFF_DOCUMENT_UNCHANGED, title=found.title)
    return redirect(url_for(".index"))


@bp.post("/<int:document_id>/delete")
@staff_required(*PUBLISHERS)
def delete(document_id):
    """Withdraw a document: the tenants no longer see it or open it."""
    found = _found(document_id)
    if not ButtonForm().validate_on_submit():
        notify(messages.FORM_EXPIRED)
        return redirect(url_for(".edit", document_id=found.id))
    title = found.title
    services.withdraw(found, current_user)
    notify(messages.STAFF_DOCUMENT_WITHDRAWN, title=title)
    return redirect(url_for(".index"))


@bp.route("/<int:document_id>/file")
@staff_required(*PUBLISHERS)
def file(document_id):
    """The document's PDF, as the tenants get it."""
    return pdf_response(_found(document_id))
