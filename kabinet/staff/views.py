"""The back office's home: the dashboard; and the audit log."""

from flask import Blueprint, render_template

from kabinet.staff.access import staff_required

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/")
@staff_required()
def home():
    """Where staff land after login."""
    return render_template("staff/home.html")
