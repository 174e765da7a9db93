"""Routes of the back office: team."""

from flask import Blueprint

bp = Blueprint("staff_team", __name__, url_prefix="/staff/team")
