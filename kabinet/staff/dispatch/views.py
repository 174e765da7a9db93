"""The dispatcher's side of the requests: the queue (and its table, refreshed by static/js/queue.js), one request
(status, comment, executor, print), a request by phone; the admin's deadlines."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from kabinet import audit, messages, storage
from kabinet.clock import utcnow
from kabinet.dispatch.deadlines import deadlines_of, save_hours, set_hours
from kabinet.dispatch.services import (
    CATEGORY_LABELS,
    RATING_WORDS,
    STATUS_BADGES,
    STATUS_LABELS,
    answer,
    change_status,
    reopen_reason,
)
from kabinet.messages import notify
from kabinet.staff.access import organization, staff_required
from kabinet.staff.dispatch import services
from kabinet.staff.dispatch.forms import (
    AssignForm,
    DeadlinesForm,
    PhoneRequestForm,
    QueueFilterForm,
    StaffCommentForm,
    StatusForm,
)
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
        "rating_words": RATING_WORDS,
    }


def _queue_page(template: str):
    """The queue's page or its table alone, filtered from the address."""
    company = organization()
    form = QueueFilterForm(company, formdata=request.args)
    form.validate()  # a bad filter is shown with its message and left out; the others still narrow the queue
    due = deadlines_of(company.id)
    return render_template(
        template,
        form=form,
        listed=services.queue(company, form.chosen(), due, page_number()),
        deadlines=due,
        new=services.count_new(company),
        executors=services.executor_names(company),
        refreshed=utcnow(),
    ), form.http_status


@bp.route("/")
@staff_required("dispatcher")
def queue():
    """The organization's requests, new ones first, filtered from the address; its table refreshes itself."""
    return _queue_page("staff/dispatch/queue.html")


@bp.route("/table")
@staff_required("dispatcher")
def table():
    """The queue's table alone, with the same filters: what static/js/queue.js fetches every 30 s."""
    return _queue_page("staff/dispatch/_table.html")


def _request_or_404(request_id: int):
    found = services.request_of(organization(), request_id)
    if found is None:
        abort(404)
    return found


def _page(filed, status_form=None, assign_form=None, comment_form=None):
    """The request's page, with the form that failed showing its errors."""
    executors = services.executors(organization(), keep_id=filed.executor_id)
    return render_template(
        "staff/dispatch/show.html",
        filed=filed,
        authors=services.staff_names(filed),
        executor=services.executor_of(filed),
        apartment=services.names_an_apartment(filed),
        deadlines=deadlines_of(filed.organization_id),
        reopened_because=reopen_reason(filed) if filed.status == "reopened" else "",
        status_form=status_form or StatusForm(filed.status, formdata=None),
        assign_form=assign_form or AssignForm(executors, formdata=None, executor=filed.executor_id),
        comment_form=comment_form or StaffCommentForm(formdata=None),
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
    emailed = change_status(filed, form.status.data, form.comment.data, current_user)
    # With nobody to e-mail (a common area, no tenant with a confirmed e-mail), the message does not promise one.
    changed = messages.STAFF_DISPATCH_STATUS_CHANGED if emailed else messages.STAFF_DISPATCH_STATUS_SET
    notify(changed, number=filed.id, status=STATUS_LABELS[filed.status])
    return redirect(url_for("staff_dispatch.show", request_id=filed.id))


@bp.route("/<int:request_id>/comment", methods=["POST"])
@staff_required("dispatcher")
def comment(request_id):
    """Write to the request's tenants without changing its status; they get an e-mail."""
    filed = _request_or_404(request_id)
    form = StaffCommentForm()
    if not form.validate_on_submit():
        return _page(filed, comment_form=form)
    emailed = answer(filed, current_user, form.text.data)
    notify(messages.STAFF_DISPATCH_COMMENTED if emailed else messages.STAFF_DISPATCH_COMMENT_SAVED, count=emailed)
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
        deadlines=deadlines_of(filed.organization_id),
    )


@bp.route("/<int:request_id>/photos/<int:photo_id>")
@staff_required("dispatcher")
def photo(request_id, photo_id):
    """A photo of one of the organization's requests, never cached by a shared proxy."""
    return storage.response(services.photo_of(organization(), request_id, photo_id))


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


@bp.route("/deadlines", methods=["GET", "POST"])
@staff_required("admin")
def deadlines():
    """The hours the company gives itself for each category of request; an empty field is DISPATCH_OVERDUE_HOURS."""
    company, default = organization(), current_app.config["DISPATCH_OVERDUE_HOURS"]
    saved = {key: str(hours) for key, hours in set_hours(company.id).items()}
    form = DeadlinesForm(data=saved)
    if form.validate_on_submit():
        changed = save_hours(company, form.hours(), current_user)
        notify(messages.STAFF_DISPATCH_DEADLINES_SAVED if changed else messages.STAFF_DISPATCH_DEADLINES_UNCHANGED)
        return redirect(url_for("staff_dispatch.deadlines"))
    return render_template("staff/dispatch/deadlines.html", form=form, default=default)
