"""The dispatcher's side of the requests: the queue, one request (status, executor, print) and a request by phone."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from kabinet import audit, messages
from kabinet.dispatch import photos
from kabinet.dispatch.services import CATEGORY_LABELS, STATUS_BADGES, STATUS_LABELS, change_status
from kabinet.messages import notify
from kabinet.staff.access import organization, staff_required
from kabinet.staff.dispatch import services
from kabinet.staff.dispatch.forms import AssignForm, PhoneRequestForm, QueueFilterForm, StatusForm
from kabinet.urls import page_number

bp = Blueprint("staff_dispatch", __name__, url_prefix="/staff/dispatch")


@bp.context_processor
def _labels():
    return {
        "categories": CATEGORY_LABELS,
        "statuses": STATUS_LABELS,
        "badges": STATUS_BADGES,
        "duration": services.duration,
        "waited": services.waited,
        "is_overdue": lambda filed: services.is_overdue(filed, current_app.config["DISPATCH_OVERDUE_HOURS"]),
    }


@bp.route("/")
@staff_required("dispatcher")
def queue():
    """The organization's requests, new ones first, filtered from the address; the page reloads itself."""
    company = organization()
    form = QueueFilterForm(company, formdata=request.args)
    form.validate()  # a bad filter is shown with its message and left out; the others still narrow the queue
    chosen = form.chosen()
    listed = services.queue(company, chosen, page_number())
    return render_template(
        "staff/dispatch/queue.html",
        form=form,
        listed=listed,
        new=services.count_new(company),
        executors=services.executor_names(company),
    ), form.http_status


def _request_or_404(request_id: int):
    found = services.request_of(organization(), request_id)
    if found is None:
        abort(404)
    return found


def _page(filed, status_form=None, assign_form=None):
    """The request's page, with the form that failed showing its errors."""
    executors = services.executors(organization(), keep_id=filed.executor_id)
    return render_template(
        "staff/dispatch/show.html",
        filed=filed,
        authors=services.staff_names(filed),
        executor=services.executor_of(filed),
        apartment=services.names_an_apartment(filed),
        status_form=status_form or StatusForm(filed.status, formdata=None),
        assign_form=assign_form or AssignForm(executors, formdata=None, executor=filed.executor_id),
    )


@bp.route("/<int:request_id>")
@staff_required("dispatcher")
def show(request_id):
    """One request: the tenant's text, photos, phone, place, history; its status and executor."""
    return _page(_request_or_404(request_id))


@bp.route("/<int:request_id>/status", methods=["POST"])
@staff_required("dispatcher")
def status(request_id):
    """Move the request on; the tenant who filed it gets an e-mail."""
    filed = _request_or_404(request_id)
    form = StatusForm(filed.status)
    if not form.validate_on_submit():
        return _page(filed, status_form=form)
    audit.record("dispatch.status", target=filed, details=f"{filed.status} → {form.status.data}")
    change_status(filed, form.status.data, form.comment.data, current_user)
    # A request taken by phone has no author in the cabinet: nobody is e-mailed, and the message does not say so.
    changed = messages.STAFF_DISPATCH_STATUS_CHANGED if filed.user_id else messages.STAFF_DISPATCH_STATUS_SET
    notify(changed, number=filed.id, status=STATUS_LABELS[filed.status])
    return redirect(url_for("staff_dispatch.show", request_id=filed.id))


@bp.route("/<int:request_id>/assign", methods=["POST"])
@staff_required("dispatcher")
def assign(request_id):
    """Give the request to an executor from the organization's list, or take it back."""
    filed = _request_or_404(request_id)
    form = AssignForm(services.executors(organization(), keep_id=filed.executor_id))
    if not form.validate_on_submit():
        return _page(filed, assign_form=form)
    services.assign(filed, form.chosen, current_user)
    notify(messages.STAFF_DISPATCH_ASSIGNED if form.chosen else messages.STAFF_DISPATCH_UNASSIGNED, number=filed.id)
    return redirect(url_for("staff_dispatch.show", request_id=filed.id))


@bp.route("/<int:request_id>/print")
@staff_required("dispatcher")
def print_view(request_id):
    """The request on one sheet for the executor to take along."""
    filed = _request_or_404(request_id)
    return render_template(
        "staff/dispatch/print.html",
        filed=filed,
        executor=services.executor_of(filed),
        apartment=services.names_an_apartment(filed),
    )


@bp.route("/<int:request_id>/photos/<int:photo_id>")
@staff_required("dispatcher")
def photo(request_id, photo_id):
    """A photo of one of the organization's requests, never cached by a shared proxy."""
    return photos.response(services.photo_of(organization(), request_id, photo_id))


@bp.route("/new", methods=["GET", "POST"])
@staff_required("dispatcher")
def new():
    """File a request taken by phone, for an account or a common area."""
    company = organization()
    form = PhoneRequestForm(company)
    if form.validate_on_submit():
        fields = {
            name: form[name].data for name in ("location", "premises", "category", "description", "contact_phone")
        }
        filed = services.file_by_phone(
            company, current_user, account=form.account, building=form.chosen_building,
            access_time=form.access_time.data, **fields
        )  # fmt: skip
        notify(messages.STAFF_DISPATCH_FILED, number=filed.id)
        return redirect(url_for("staff_dispatch.show", request_id=filed.id))
    return render_template("staff/dispatch/new.html", form=form)
