"""Routes of the back office: accounts."""

from flask import Blueprint

bp = Blueprint("staff_accounts", __name__, url_prefix="/staff/accounts")
