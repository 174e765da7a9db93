"""Routes of the back office: tenants."""

from flask import Blueprint, abort, redirect, render_template, request, url_for

from kabinet import messages
from kabinet.messages import notify
from kabinet.staff import journal
from kabinet.staff.access import organization, staff_required
from kabinet.staff.tenants import services
from kabinet.staff.tenants.forms import ActionForm, SearchForm
from kabinet.urls import page_number

bp = Blueprint("staff_tenants", __name__, url_prefix="/staff/tenants")


@bp.route("/")
@staff_required("accountant")
def index():
    """Find a tenant of the organization."""
    form = SearchForm(formdata=request.args)
    text = form.q.data if form.validate() else ""
    listed = services.search(organization(), text, page_number())
    return render_template("staff/tenants/index.html", form=form, listed=listed)


def _tenant_or_404(user_id: int):
    tenant = services.tenant_of(organization(), user_id)
    if tenant is None:
        abort(404)
    return tenant


@bp.route("/<int:user_id>")
@staff_required("accountant")
def show(user_id):
    """A tenant's details, accounts, confirmation, sessions and recent activity, with the actions on them."""
    company, tenant = organization(), _tenant_or_404(user_id)
    return render_template(
        "staff/tenants/show.html",
        tenant=tenant,
        bindings=services.accounts_of(company, tenant),
        pending=services.pending_requests(company, tenant),
        activity=services.activity(tenant),
        sessions=services.sessions(tenant),
        form=ActionForm(),
        action_label=journal.label,
    )


@bp.route("/<int:user_id>/block", methods=["GET", "POST"])
@staff_required("accountant")
def block(user_id):
    """Once confirmed, block the tenant: no login, every session ended."""
    tenant = _tenant_or_404(user_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return render_template("staff/tenants/block.html", tenant=tenant, form=form)
    services.block(tenant)
    notify(messages.TENANT_BLOCKED)
    return redirect(url_for(".show", user_id=tenant.id))


@bp.route("/<int:user_id>/unblock", methods=["POST"])
@staff_required("accountant")
def unblock(user_id):
    """Let a blocked tenant log in again."""
    tenant = _tenant_or_404(user_id)
    if ActionForm().validate_on_submit():
        services.unblock(tenant)
        notify(messages.TENANT_UNBLOCKED)
    return redirect(url_for(".show", user_id=tenant.id))


@bp.route("/<int:user_id>/resend", methods=["POST"])
@staff_required("accountant")
def resend(user_id):
    """Send an unconfirmed tenant a new confirmation e-mail."""
    tenant = _tenant_or_404(user_id)
    if ActionForm().validate_on_submit():
        sent = services.resend_confirmation(tenant)
        notify(messages.TENANT_CONFIRMATION_SENT if sent else messages.TENANT_ALREADY_CONFIRMED, email=tenant.email)
    return redirect(url_for(".show", user_id=tenant.id))


@bp.route("/<int:user_id>/accounts/<int:account_id>/unbind", methods=["POST"])
@staff_required("accountant")
def unbind(user_id, account_id):
    """Take one of the organization's accounts out of the tenant's cabinet."""
    tenant = _tenant_or_404(user_id)
    if ActionForm().validate_on_submit():
        if services.unbind(organization(), tenant, account_id) is None:
            abort(404)
        notify(messages.TENANT_UNBOUND)
    return redirect(url_for(".show", user_id=tenant.id))
