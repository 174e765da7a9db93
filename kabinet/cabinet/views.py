"""The cabinet ("Личный кабинет"): where a tenant lands after login."""

from flask import Blueprint, render_template
from flask_login import current_user

from kabinet.accounts.forms import NewAddressForm
from kabinet.auth.signed_in import reads_only
from kabinet.cabinet import services
from kabinet.clock import local_today
from kabinet.documents.services import KIND_LABELS

bp = Blueprint("cabinet", __name__, url_prefix="/cabinet")


@bp.route("/")
@reads_only  # the home reads who is signed in and changes nothing of them: no ORM User (kabinet.auth.signed_in)
def home():
    """A card per account (balance, charges, readings due, requests) grouped by organization, their houses' news; a
    tenant with neither an account nor a request finds the address form, as at the first login."""
    shown = services.home(current_user.id, local_today())
    first_login = not shown.cards and not shown.requests  # staff never get here (cabinet.tenants_only)
    return render_template(
        "cabinet/home.html",
        groups=services.by_organization(shown.cards),
        announcements=shown.announcements,
        pending=shown.requests,
        document=shown.document,
        document_kinds=KIND_LABELS,
        address_form=NewAddressForm(formdata=None, role="owner") if first_login else None,
    )
