"""Routes of book."""

from flask import Blueprint

bp = Blueprint("book", __name__, url_prefix="/book")
