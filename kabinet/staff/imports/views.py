"""Routes of the back office: imports and exports."""

from flask import Blueprint

bp = Blueprint("staff_imports", __name__, url_prefix="/staff/imports")
