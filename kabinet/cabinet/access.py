"""What every page about one personal account shares: only the tenant's own accounts, and a switch between them.

The account the tenant opened last is remembered in the session, so that the menu's "Баланс", "Показания" and
"Квитанции" keep to it instead of jumping back to the first account.
"""

from flask import abort, redirect, session, url_for
from flask_login import current_user

from kabinet.accounts import services as accounts
from kabinet.models import Account, AccountBinding
from kabinet.organizations import speak_for

REMEMBERED = "account_id"


def account_or_404(account_id: int) -> Account:
    """The logged-in tenant's account, remembered as the one they are looking at, its organization the one the page
    speaks for; 404 for an account not theirs."""
    account = accounts.bound_account(current_user, account_id)
    if account is None:
        abort(404)
    speak_for(account.organization)
    if session.get(REMEMBERED) != account.id:  # writing the same value again would resend the cookie every time
        session[REMEMBERED] = account.id
    return account


def remembered(bindings: list[AccountBinding]) -> AccountBinding | None:
    """The binding of the account the tenant opened last, else the first; None without any."""
    wanted = session.get(REMEMBERED)
    return next((b for b in bindings if b.account_id == wanted), bindings[0] if bindings else None)


def first_account(endpoint: str, **values):
    """A redirect to the page `endpoint` of the account last opened (or the first), or to the wizard without any."""
    binding = remembered(accounts.bindings(current_user))
    if binding is None:
        return redirect(url_for("accounts.bind"))
    return redirect(url_for(endpoint, account_id=binding.account_id, **values))
