"""What every page about one personal account shares: only the tenant's own accounts, and a switch between them."""

from flask import abort, redirect, url_for
from flask_login import current_user

from kabinet.accounts import services as accounts
from kabinet.models import Account


def account_or_404(account_id: int) -> Account:
    """The logged-in tenant's account; 404 for an account not bound to them, as if it did not exist."""
    account = accounts.bound_account(current_user, account_id)
    if account is None:
        abort(404)
    return account


def first_account(endpoint: str, **values):
    """A redirect to the page `endpoint` of the tenant's first account, or to the wizard when there is none."""
    bindings = accounts.bindings(current_user)
    if not bindings:
        return redirect(url_for("accounts.bind"))
    return redirect(url_for(endpoint, account_id=bindings[0].account_id, **values))
