"""The tenant's side of the requests to the emergency dispatch service (заявки в АДС)."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import format_datetime
from flask_login import current_user

from kabinet import messages, storage
from kabinet.accounts import services as accounts
from kabinet.auth.signed_in import reads_only
from kabinet.cabinet.access import account_or_404, remembered
from kabinet.dispatch import services
from kabinet.dispatch.deadlines import deadlines_of
from kabinet.dispatch.forms import CancelForm, CommentForm, RateForm, ReopenForm, RequestForm
from kabinet.extensions import db
from kabinet.limits import filed_too_often
from kabinet.messages import notify
from kabinet.models import Organization
from kabinet.organizations import organizations_of, speak_for
from kabinet.urls import id_argument, page_number

bp = Blueprint("dispatch", __name__, url_prefix="/dispatch")



@bp.context_processor
def _labels():
    return {
        "categories": services.CATEGORY_LABELS,
        "statuses": services.STATUS_LABELS,
        "badges": services.STATUS_BADGES,
        "rating_words": services.RATING_WORDS,
    }


@bp.route("/")
@reads_only
def index():
    """The tenant's requests with their status, newest first, under the dispatch phone of each of their
    organizations."""
    phones = services.dispatch_phones(organizations_of(current_user))
    listed = services.requests_for(current_user, page_number())
    return render_template("dispatch/index.html", listed=listed, phones=phones)


@bp.route("/new", methods=["GET", "POST"])
def new():
    """File a request; ?account_id= picks the account it is about, else the one the tenant opened last."""
    bindings = accounts.bindings(current_user)
    bound = [binding.account for binding in bindings]
    form = RequestForm(bound)
    if not form.is_submitted():
        wanted = id_argument("account_id")
        last = remembered(bindings)
        chosen = account_or_404(wanted) if wanted is not None else (last.account if last else None)
        form.contact_phone.data = current_user.phone
        if chosen:
            form.account.data, form.location.data = chosen.id, chosen.address
    wait = form.is_submitted() and filed_too_often()
    if wait:
        notify(messages.DISPATCH_TOO_OFTEN, wait=wait)
    elif form.validate_on_submit():
        fields = {name: form[name].data for name in ("category", "description", "contact_phone", "access_time")}
        fields["location"] = services.place(form.chosen_account, form.location.data, bound)
        filed, is_new = services.create(current_user, form.chosen_account, photos=form.prepared, **fields)
        notify(messages.DISPATCH_FILED if is_new else messages.DISPATCH_ALREADY_FILED, number=filed.id)
        return redirect(url_for("dispatch.show", request_id=filed.id))
    about = form.chosen_account or next(iter(bound), None)  # the phone of the organization the request goes to
    phone = services.dispatch_phone(about.organization_id if about else None)
    return render_template("dispatch/new.html", form=form, phone=phone), 429 if wait else 200


def _request_or_404(request_id: int):
    found = services.request_for(current_user, request_id)
    if found is None:
        abort(404)
    speak_for(db.session.get(Organization, found.organization_id))  # the service that handles it, not the first one
    return found


def _page(filed, comment=None, rate=None, reopen=None):
    """The request's page, with the form that failed showing its errors."""
    return render_template(
        "dispatch/show.html",
        filed=filed,
        phone=services.dispatch_phone(filed.organization_id),
        due=deadlines_of(filed.organization_id).due(filed) if filed.is_open else None,
        comment=comment or CommentForm(formdata=None),
        rate=rate or RateForm(formdata=None),
        cancel=CancelForm(formdata=None),
        reopen=reopen or ReopenForm(formdata=None),
        reopen_until=services.reopen_until(filed) if services.can_reopen(filed) else None,
        can_comment=services.can_comment(filed),
    )


@bp.route("/<int:request_id>")
@reads_only
def show(request_id):
    """One request: what was asked, its photos, its history; comment, cancel or rate it."""
    return _page(_request_or_404(request_id))


@bp.route("/<int:request_id>/comment", methods=["POST"])
def comment(request_id):
    """Add a comment to the history."""
    filed = _request_or_404(request_id)
    form = CommentForm()
    if not services.can_comment(filed):
        notify(messages.DISPATCH_COMMENTS_CLOSED)
    elif wait := filed_too_often():
        notify(messages.SUBMISSIONS_TOO_OFTEN, wait=wait)
        return _page(filed, comment=form), 429
    elif form.validate_on_submit():
        services.comment(filed, current_user, form.text.data)
        notify(messages.DISPATCH_COMMENTED)
    else:
        return _page(filed, comment=form)
    return redirect(url_for("dispatch.show", request_id=request_id))


@bp.route("/<int:request_id>/cancel", methods=["POST"])
def cancel(request_id):
    """Withdraw the request while the service has not taken it."""
    filed = _request_or_404(request_id)
    if not CancelForm().validate_on_submit():
        abort(400)
    notify(messages.DISPATCH_CANCELLED if services.cancel(filed, current_user) else messages.DISPATCH_NOT_CANCELLED)
    return redirect(url_for("dispatch.show", request_id=request_id))


@bp.route("/<int:request_id>/rate", methods=["POST"])
def rate(request_id):
    """Rate the work once it is done."""
    filed = _request_or_404(request_id)
    form = RateForm()
    if not form.validate_on_submit():
        return _page(filed, rate=form)
    rated = services.rate(filed, current_user, form.rating.data, form.comment.data)
    notify(messages.DISPATCH_RATED if rated else messages.DISPATCH_NOT_RATED)
    return redirect(url_for("dispatch.show", request_id=request_id))


@bp.route("/<int:request_id>/reopen", methods=["POST"])
def reopen(request_id):
    """Send the done request back to the queue, saying what is wrong; when it is too late, what was typed waits in
    the comment form."""
    filed = _request_or_404(request_id)
    form = ReopenForm()
    if filed.status == "reopened":
        notify(messages.DISPATCH_ALREADY_REOPENED)  # a second click: the first one sent it back
    elif not services.can_reopen(filed):
        until = services.reopen_until(filed)
        if until:
            notify(messages.DISPATCH_REOPEN_TOO_LATE, until=format_datetime(until, "short"))
        else:
            notify(messages.DISPATCH_REOPEN_NOT_DONE)
        return _page(filed, comment=CommentForm(formdata=None, text=form.reason.data))
    elif not form.validate_on_submit():
        return _page(filed, reopen=form)
    elif services.reopen(filed, current_user, form.reason.data):
        notify(messages.DISPATCH_REOPENED, number=filed.id)
    else:
        notify(messages.DISPATCH_ALREADY_REOPENED)  # another click was quicker
    return redirect(url_for("dispatch.show", request_id=request_id))


@bp.route("/<int:request_id>/photos/<int:photo_id>")
@reads_only
def photo(request_id, photo_id):
    """A photo of the request, only to whom may see the request, never cached by a shared proxy."""
    return storage.response(services.photo_for(current_user, request_id, photo_id))
