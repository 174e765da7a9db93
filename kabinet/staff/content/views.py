"""Routes of the back office: content."""

from flask import Blueprint

bp = Blueprint("staff_content", __name__, url_prefix="/staff/content")
