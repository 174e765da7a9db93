"""Routes of balance."""

from flask import Blueprint

bp = Blueprint("balance", __name__, url_prefix="/balance")
