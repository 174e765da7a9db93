"""The cabinet ("Личный кабинет"): where a tenant lands after login; and the pages that are a tenant's alone."""

from flask import redirect, request, url_for
from flask_login import current_user

from kabinet import messages
from kabinet.staff.access import landing

# A tenant's own accounts, readings, receipts, requests, book entries and documents: staff have none of them (theirs
# are in the back office). Profile, login, contacts, language and Telegram are everyone's and stay open to staff.
TENANTS_ONLY = frozenset({"cabinet", "accounts", "balance", "readings", "receipts", "dispatch", "book", "documents"})


def staff_to_their_back_office():
    """Send a staff user who opens a tenant's page to their own landing page, saying why, instead of an empty
    cabinet (registered once for the whole app, so a new tenant page needs only its blueprint named above)."""
    if request.blueprint not in TENANTS_ONLY or not current_user.is_authenticated or not current_user.is_staff:
        return None
    messages.notify(messages.STAFF_ON_TENANT_PAGE)
    return redirect(url_for(landing(current_user)))
