"""Routes of the back office: dispatch."""

from flask import Blueprint

bp = Blueprint("staff_dispatch", __name__, url_prefix="/staff/dispatch")
