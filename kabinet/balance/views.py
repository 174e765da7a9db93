"""The balance of a personal account ("Баланс лицевого счета"): months, services, payments."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from kabinet.accounts import services as accounts
from kabinet.auth.signed_in import reads_only
from kabinet.balance import services
from kabinet.cabinet.access import account_or_404, first_account

bp = Blueprint("balance", __name__, url_prefix="/balance")


@bp.route("/")
@reads_only
def index():
    """The balance of the tenant's first account."""
    return first_account("balance.show")


@bp.route("/<int:account_id>")
@reads_only
def show(account_id: int):
    """The account's months with their services and payments, the last two years unless the whole history is asked."""
    account = account_or_404(account_id)
    everything = request.args.get("all") == "1"
    return render_template(
        "balance/show.html",
        account=account,
        bindings=accounts.bindings(current_user),
        statement=services.statement(account, everything),
        everything=everything,
    )
