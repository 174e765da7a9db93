"""Who may open a staff page: the roles, checked on every route, and the organization a staff user works for."""

from functools import wraps

from flask import abort, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from kabinet import messages
from kabinet.extensions import db
from kabinet.messages import notify
from kabinet.models import Organization
from kabinet.organizations import default_organization

ROLE_NAMES = {"admin": _l("Администратор"), "dispatcher": _l("Диспетчер"), "accountant": _l("Бухгалтер")}


def staff_required(*roles: str, before_second_factor: bool = False):
    """The view is for staff with one of `roles` (any staff when none are given); the admin may do everything.

    Anonymous visitors go to the login page; a tenant gets 404 (the back office does not exist for them); a staff
    user without the role gets 403. Where the organization requires a second factor, a staff user without one is
    sent to set it up first (the views of that setup pass before_second_factor).
    """

    def decorate(view):
        @wraps(view)
        @login_required
        def checked(*args, **kwargs):
            if not current_user.is_staff:
                abort(404)
            if roles and current_user.role != "admin" and current_user.role not in roles:
                abort(403)
            if not before_second_factor and current_user.totp_enabled_at is None and organization().staff_totp_required:
                notify(messages.SECOND_FACTOR_REQUIRED)
                return redirect(url_for("staff_team.two_factor"))
            return view(*args, **kwargs)

        checked.staff_roles = roles  # read by the role-matrix test, which lists every staff route
        return checked

    return decorate


def organization() -> Organization:
    """The organization the logged-in staff user works for: their own, or the installation's."""
    if current_user.organization_id:
        return db.get_or_404(Organization, current_user.organization_id)
    return default_organization()
