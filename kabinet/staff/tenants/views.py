"""Routes of the back office: tenants."""

from flask import Blueprint

bp = Blueprint("staff_tenants", __name__, url_prefix="/staff/tenants")
