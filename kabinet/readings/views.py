"""Routes of readings."""

from flask import Blueprint

bp = Blueprint("readings", __name__, url_prefix="/readings")
