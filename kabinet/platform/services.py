"""The platform's rules: organizations created and counted, their first admins invited; never a tenant's data."""

from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from sqlalchemy import distinct, func, select

from kabinet import audit
from kabinet.extensions import db
from kabinet.models import Account, AccountBinding, Building, DispatchRequest, Organization, User
from kabinet.models.organization import KINDS
from kabinet.staff.team import services as team

KIND_NAMES = dict(zip(KINDS, (_l("УК"), _l("КСК"), _l("ОСИ"), _l("ТСЖ")), strict=True))


@dataclass(frozen=True)
class Counts:
    """One organization as the platform sees it: how big it is, not who lives there."""

    organization: Organization
    houses: int
    accounts: int
    tenants: int  # people with at least one bound account here
    requests_this_month: int
    staff: int


def month_start(today: date) -> datetime:
    """The first moment of today's month in the installation's time zone, as the UTC the database stores."""
    return to_utc(datetime.combine(today.replace(day=1), time.min))


def _count(*columns, where):
    """A correlated count of one organization's rows, as a column of the organizations' query."""
    return select(*columns).where(where).scalar_subquery()


def counts(since: datetime) -> list[Counts]:
    """Every organization with its counts, by name, in one query (a correlated count per column)."""
    org = Organization.id
    query = select(
        Organization,
        _count(func.count(Building.id), where=Building.organization_id == org),
        _count(func.count(Account.id), where=Account.organization_id == org),
        select(func.count(distinct(AccountBinding.user_id)))
        .join(Account, Account.id == AccountBinding.account_id)
        .where(Account.organization_id == org)
        .scalar_subquery(),
        _count(
            func.count(DispatchRequest.id),
            where=(DispatchRequest.organization_id == org) & (DispatchRequest.created_at >= since),
        ),  # fmt: skip
        _count(func.count(User.id), where=(User.organization_id == org) & User.role.is_not(None)),
    ).order_by(Organization.name, Organization.id)
    return [Counts(*row) for row in db.session.execute(query)]


def organization_of(organization_id: int) -> Organization | None:
    """One organization by its id; None when there is none."""
    return db.session.get(Organization, organization_id)


def create_organization(*, name: str, kind: str, country: str, inn: str, by: User) -> Organization:
    """A new organization with its name, kind, country (its money and time zone follow) and ИНН/БИН; its own admin
    fills in the rest («Организация»)."""
    organization = Organization(name=name, kind=kind, country=country, inn=inn)
    db.session.add(organization)
    db.session.flush()
    audit.record("platform.create", target=organization, details=f"{name} ({kind}, {country}, {inn or '-'})", user=by)
    db.session.commit()
    return organization


def admins_of(organization: Organization) -> list[User]:
    """The organization's admins, invited or in: whom the platform administrator has brought in so far."""
    return [user for user in team.staff_of(organization) if user.role == "admin"]


def invite_admin(organization: Organization, *, email: str, first_name: str, last_name: str, by: User) -> User:
    """Invite an admin of the organization by e-mail (the staff team's invitation: a link that sets the password)."""
    user, _link = team.invite(organization, email=email, first_name=first_name, last_name=last_name, role="admin",
                              by=by)  # fmt: skip
    return user


def resend_invitation(organization: Organization, user_id: int, *, by: User) -> User | None:
    """A new invitation for one of the organization's admins who has not accepted it (the earlier link dies); None
    when no such admin is the organization's. Raises team.Refused once it is accepted."""
    admin = team.member(organization, user_id)
    if admin is None or admin.role != "admin":
        return None
    team.resend_invitation(admin, organization, by=by)
    return admin
