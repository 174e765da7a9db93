"""Routes of dispatch."""

from flask import Blueprint

bp = Blueprint("dispatch", __name__, url_prefix="/dispatch")
