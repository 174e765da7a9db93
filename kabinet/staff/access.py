"""Who may open a staff page: the roles, checked on every route, and the organization a staff user works for.

The platform administrator (PLATFORM_ROLE) is staff of no organization: every organization's back office answers
them 404 (nothing there is theirs), except the pages a route opens to them by name (platform=True).
"""

from functools import wraps

from flask import abort, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from kabinet import messages
from kabinet.extensions import db
from kabinet.messages import notify
from kabinet.models import Organization, User
from kabinet.models.user import PLATFORM_ROLE
from kabinet.organizations import default_organization

ROLE_NAMES = {
    "admin": _l("Администратор"),
    "dispatcher": _l("Диспетчер"),
    "accountant": _l("Бухгалтер"),
    PLATFORM_ROLE: _l("Администратор платформы"),
}


def is_platform(user) -> bool:
    """Whether the user is the platform administrator."""
    return user.is_authenticated and user.role == PLATFORM_ROLE


def landing(user) -> str:
    """The endpoint a staff user lands on after login: their organization's dashboard, or the platform's."""
    return "platform.index" if is_platform(user) else "staff.home"


def staff_required(*roles: str, before_second_factor: bool = False, platform: bool = False):
    """The view is for staff with one of `roles` (any staff when none are given); the admin may do everything.

    Anonymous visitors go to the login page; a tenant gets 404 (the back office does not exist for them), and so does
    the platform administrator unless `platform` opens the view to them; a staff user without the role gets 403.
    Where the organization requires a second factor, a staff user without one is sent to set it up first (the views
    of that setup pass before_second_factor).
    """

    def decorate(view):
        @wraps(view)
        @login_required
        def checked(*args, **kwargs):
            if not current_user.is_staff or (is_platform(current_user) and not platform):
                abort(404)
            if is_platform(current_user):
                return view(*args, **kwargs)
            if roles and current_user.role != "admin" and current_user.role not in roles:
                abort(403)
            if not before_second_factor and current_user.totp_enabled_at is None and organization().staff_totp_required:
                notify(messages.SECOND_FACTOR_REQUIRED)
                return redirect(url_for("staff_team.two_factor"))
            return view(*args, **kwargs)

        checked.staff_roles = roles  # read by the role-matrix test, which lists every staff route
        return checked

    return decorate


def platform_required(view):
    """The view is the platform administrator's alone: a tenant gets 404, an organization's staff 403."""

    @wraps(view)
    @login_required
    def checked(*args, **kwargs):
        if not current_user.is_staff:
            abort(404)
        if not is_platform(current_user):
            abort(403)
        return view(*args, **kwargs)

    return checked


def organization() -> Organization:
    """The organization the logged-in staff user works for: their own, or the installation's (staff made before
    there were several). The platform administrator has none: 404."""
    if is_platform(current_user):
        abort(404)
    if current_user.organization_id:
        return db.get_or_404(Organization, current_user.organization_id)
    return default_organization()


def second_factor_required(user) -> bool:
    """Whether the user may not turn their second factor off: their organization requires it of its staff."""
    return not is_platform(user) and organization().staff_totp_required


def keeps_the_installation(user) -> bool:
    """Whether the user looks after the installation as a whole (its mail, worker, backups): the platform
    administrator; on an installation without one, the admin of its own (first) organization, as before there
    were several."""
    if is_platform(user):
        return True
    if db.session.scalar(select(User.id).where(User.role == PLATFORM_ROLE).limit(1)) is not None:
        return False
    return user.role == "admin" and organization().id == default_organization().id
