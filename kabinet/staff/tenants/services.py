"""The tenants an organization's staff may see, and what staff do to them: block, unblock, resend, unbind.

A tenant belongs to the organization when an account of it is bound to them or they asked to bind one of its houses;
a tenant with neither anywhere (a new registration, not yet bound to anything) is shown to every organization, since
no one else can help them along. A tenant bound only elsewhere stays hidden.
"""

import re

from sqlalchemy import and_, exists, func, literal, or_, select
from sqlalchemy.orm import joinedload

from kabinet import audit
from kabinet.accounts import services as accounts
from kabinet.auth.services import end_sessions
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import (
    Account,
    AccountBinding,
    AuditEvent,
    BindingRequest,
    Building,
    Organization,
    User,
    UserSession,
)
from kabinet.registration.services import send_confirmation
from kabinet.staff.search import spellings

PER_PAGE = 25
ACTIVITY_SHOWN = 30  # the latest events on a tenant's page: enough to see a pattern, bounded
SESSIONS_SHOWN = 10


def in_organization(organization: Organization):
    """A condition on User: a tenant of the organization (see the module's docstring)."""
    bound_here = exists().where(
        AccountBinding.user_id == User.id,
        AccountBinding.account_id == Account.id,
        Account.organization_id == organization.id,
    )
    asked_here = exists().where(
        BindingRequest.user_id == User.id,
        BindingRequest.state == "pending",
        BindingRequest.building_id == Building.id,
        Building.organization_id == organization.id,
    )
    bound_anywhere = exists().where(AccountBinding.user_id == User.id)
    asked_anywhere = exists().where(BindingRequest.user_id == User.id, BindingRequest.state == "pending")
    return and_(User.role.is_(None), or_(bound_here, asked_here, and_(~bound_anywhere, ~asked_anywhere)))


def search(organization: Organization, text: str, page: int):
    """The organization's tenants with every word of `text` in their login, e-mail, name or phone; a page of them."""
    query = select(User).where(in_organization(organization))
    for word in (text or "").split():
        columns = (User.login, User.email, User.first_name, User.middle_name, User.last_name, User.phone)
        matches = [column.icontains(spelling, autoescape=True) for column in columns for spelling in spellings(word)]
        digits = re.sub(r"\D", "", word)
        if len(digits) >= 3:  # a phone typed as "912 345-67" matches the stored +79123456789 by its digits
            matches.append(User.phone.contains(digits, autoescape=True))
        query = query.where(or_(*matches))
    query = query.order_by(User.last_name, User.first_name, User.id)
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def tenant_of(organization: Organization, user_id: int) -> User | None:
    """The tenant if the organization's staff may see them; None for staff and other organizations' tenants."""
    return db.session.scalar(select(User).where(User.id == user_id, in_organization(organization)))


def accounts_of(organization: Organization, tenant: User) -> list[AccountBinding]:
    """The tenant's bindings to the organization's accounts (others' stay hidden), with the accounts' houses."""
    query = (
        select(AccountBinding)
        .join(AccountBinding.account)
        .where(AccountBinding.user_id == tenant.id, Account.organization_id == organization.id)
        .options(joinedload(AccountBinding.account).joinedload(Account.building))
        .order_by(Account.number)
    )
    return list(db.session.scalars(query))


def pending_requests(organization: Organization, tenant: User) -> list[BindingRequest]:
    """The tenant's requests to bind by address, waiting for this organization's accountant."""
    query = (
        select(BindingRequest)
        .join(BindingRequest.building)
        .where(
            BindingRequest.user_id == tenant.id,
            BindingRequest.state == "pending",
            Building.organization_id == organization.id,
        )
        .options(joinedload(BindingRequest.building))
        .order_by(BindingRequest.created_at)
    )
    return list(db.session.scalars(query))


def activity(tenant: User) -> list[AuditEvent]:
    """The latest events about the tenant: their logins and password changes, failed logins typed with their login or
    e-mail (those have no user: the password did not match), and staff actions on them."""
    typed = func.lower(AuditEvent.actor).in_([tenant.login.lower(), tenant.email.lower()])
    query = (
        select(AuditEvent)
        .where(
            or_(
                AuditEvent.user_id == tenant.id,
                and_(AuditEvent.user_id.is_(None), typed),
                AuditEvent.target == literal(f"{User.__tablename__}:{tenant.id}"),
            )
        )
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(ACTIVITY_SHOWN)
    )
    return list(db.session.scalars(query))


def sessions(tenant: User) -> list[UserSession]:
    """The tenant's latest sessions, live or ended, most recently seen first."""
    query = (
        select(UserSession)
        .where(UserSession.user_id == tenant.id)
        .order_by(UserSession.last_seen_at.desc())
        .limit(SESSIONS_SHOWN)
    )
    return list(db.session.scalars(query))


def block(tenant: User) -> int:
    """Stop the tenant from logging in and log out every session they have; the count of sessions ended."""
    tenant.blocked_at = utcnow()
    audit.record("tenant.block", target=tenant)
    return end_sessions(tenant)  # commits the block and its audit row with the sessions' end


def unblock(tenant: User) -> None:
    """Let the tenant log in again."""
    tenant.blocked_at = None
    audit.record("tenant.unblock", target=tenant)
    db.session.commit()


def resend_confirmation(tenant: User) -> bool:
    """Send an unconfirmed tenant a new confirmation e-mail (the old code stops working); False if confirmed already."""
    if tenant.is_confirmed:
        return False
    send_confirmation(tenant)
    audit.record("tenant.resend", target=tenant, details=tenant.email)
    db.session.commit()
    return True


def unbind(organization: Organization, tenant: User, account_id: int) -> Account | None:
    """Take one of the organization's accounts out of the tenant's cabinet; None for an account not of the organization.

    An account no longer bound (a second click, another staff member was quicker) is left as it is: the staff user
    wanted it unbound, and it is.
    """
    account = db.session.scalar(
        select(Account).where(Account.id == account_id, Account.organization_id == organization.id)
    )
    if account is None:
        return None
    bound = select(AccountBinding.id).where(
        AccountBinding.user_id == tenant.id, AccountBinding.account_id == account.id
    )
    if db.session.scalar(bound) is not None:
        audit.record("tenant.unbind", target=tenant, details=f"{Account.__tablename__}:{account.id} {account.number}")
        accounts.unbind(tenant, account.id)  # commits the audit row with it
    return account
