"""The cabinet ("Личный кабинет"): where a tenant lands after login; and the pages that are a tenant's alone."""

from flask import redirect, request, url_for
from flask_login import current_user, login_required

from kabinet import messages
from kabinet.staff.access import landing

# A tenant's own accounts, readings, receipts, requests, book entries and documents: staff have none of them (theirs
# are in the back office). Profile, login, contacts, language and Telegram are everyone's and stay open to staff.
TENANTS_ONLY = frozenset({"cabinet", "accounts", "balance", "readings", "receipts", "dispatch", "book", "documents"})


@login_required
def _signed_in():
    """Flask-Login's own check as a hook: None for a signed-in user, else the way to the login page and back."""


def tenants_only():
    """The one guard of a tenant's pages (registered once for the whole app, so a new tenant page needs only its
    blueprint named above): a visitor is sent to the login page and back, a staff user to their own landing page,
    told why, instead of an empty cabinet."""
    if request.blueprint not in TENANTS_ONLY:
        return None
    if (refused := _signed_in()) is not None:
        return refused
    if current_user.is_staff:
        messages.notify(messages.STAFF_ON_TENANT_PAGE)
        return redirect(url_for(landing(current_user)))
    return None
