"""The cabinet ("Личный кабинет"): where a tenant lands after login."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from kabinet.accounts import services as accounts
from kabinet.cabinet import services
from kabinet.clock import local_today
from kabinet.documents.services import KIND_LABELS, latest_for

bp = Blueprint("cabinet", __name__, url_prefix="/cabinet")


@bp.route("/")
@login_required
def home():
    """A card per account (balance, charges, readings due, requests), their houses' news; else the way to bind one."""
    bindings, today = accounts.bindings(current_user), local_today()
    return render_template(
        "cabinet/home.html",
        cards=services.cards(bindings, today),
        announcements=services.announcements({binding.account.building_id for binding in bindings}, today),
        pending=accounts.requests_to_show(current_user),
        document=latest_for(bindings),
        document_kinds=KIND_LABELS,
    )
