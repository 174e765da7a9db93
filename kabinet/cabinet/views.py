"""The cabinet ("Личный кабинет"): where a tenant lands after login."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from kabinet.accounts import services as accounts

bp = Blueprint("cabinet", __name__, url_prefix="/cabinet")


@bp.route("/")
@login_required
def home():
    """The tenant's accounts; on the first login, an explanation and the way to bind one."""
    return render_template(
        "cabinet/home.html", bindings=accounts.bindings(current_user), pending=accounts.pending_requests(current_user)
    )
