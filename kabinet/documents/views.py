"""«Документы»: the tenant's list of their organizations' documents, and a document's PDF."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from kabinet.accounts import services as accounts
from kabinet.auth.signed_in import reads_only
from kabinet.documents import services
from kabinet.documents.forms import KindFilterForm
from kabinet.urls import page_number

bp = Blueprint("documents", __name__, url_prefix="/documents")



@bp.route("/")
@reads_only
def index():
    """The documents for the tenant's houses, newest first, of the kind chosen."""
    form = KindFilterForm(formdata=request.args)
    form.validate()
    listed = services.documents_for(accounts.bindings(current_user), form.chosen(), page_number())
    return render_template("documents/index.html", form=form, listed=listed, kinds=services.KIND_LABELS)


@bp.route("/<int:document_id>")
@reads_only
def show(document_id):
    """The document's PDF; 404 for a document not meant for the tenant's houses."""
    found = services.document_for(accounts.bindings(current_user), document_id)
    if found is None:
        abort(404)
    return services.pdf_response(found)
