"""The dispatcher's rules: the queue and its filters, how long a request has waited, assignment, a request by phone.
Deadlines are kabinet.dispatch.deadlines.

Status changes are kabinet.dispatch.services.change_status (it records the history and e-mails the tenant); these
functions only add what the back office needs around it, each scoped to one organization.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import to_utc
from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from kabinet import audit
from kabinet.clock import utcnow
from kabinet.dispatch.deadlines import Deadlines
from kabinet.extensions import db
from kabinet.models import (
    Account,
    Building,
    DispatchEvent,
    DispatchPhoto,
    DispatchRequest,
    Executor,
    Organization,
    StoredFile,
    User,
)
from kabinet.models.dispatch import AWAITING_STATUSES, OPEN_STATUSES, STATUSES

PER_PAGE = 25
APARTMENT = "кв. "  # how a place names an apartment, as Account.address does: "ул. Ленина, д. 5, кв. 12"
OPEN, ALL = "open", "all"  # the queue's two status filters besides the statuses themselves


@dataclass(frozen=True)
class QueueFilter:
    """What the dispatcher narrowed the queue to; empty values mean "any"."""

    status: str = OPEN
    category: str = ""
    building_id: int | None = None
    created_from: date | None = None
    created_until: date | None = None
    overdue: bool = False  # only the open ones past their deadline


def _in_building(building: Building):
    """A request about the building: an account in it, or an account-less one whose place starts with its address.

    A request about a common area has no account, and the model keeps no building for it: the address written
    first in its place (as file_by_phone writes it) is what ties it to the house.
    """
    return or_(
        DispatchRequest.account_id.in_(select(Account.id).where(Account.building_id == building.id)),
        and_(
            DispatchRequest.account_id.is_(None), DispatchRequest.location.startswith(building.address, autoescape=True)
        ),
    )


def _local_midnight(day: date) -> datetime:
    """The UTC moment the day begins where the company works (TIMEZONE), as the timestamps are stored."""
    return to_utc(datetime.combine(day, time.min))


def queue(organization: Organization, chosen: QueueFilter, deadlines: Deadlines, page: int = 1):
    """The organization's requests: new and sent back ones first, then the open ones oldest first, then the closed,
    newest first."""
    query = select(DispatchRequest).where(DispatchRequest.organization_id == organization.id)
    if chosen.overdue:
        query = query.where(deadlines.missed_clause(utcnow()))
    if chosen.status == OPEN:
        query = query.where(DispatchRequest.status.in_(OPEN_STATUSES))
    elif chosen.status in STATUSES:
        query = query.where(DispatchRequest.status == chosen.status)
    if chosen.category:
        query = query.where(DispatchRequest.category == chosen.category)
    if chosen.building_id:
        building = db.session.get(Building, chosen.building_id)
        mine = building is not None and building.organization_id == organization.id
        query = query.where(_in_building(building) if mine else false())
    if chosen.created_from:
        query = query.where(DispatchRequest.created_at >= _local_midnight(chosen.created_from))
    if chosen.created_until:
        query = query.where(DispatchRequest.created_at < _local_midnight(chosen.created_until + timedelta(days=1)))
    is_open = DispatchRequest.status.in_(OPEN_STATUSES)
    query = query.options(joinedload(DispatchRequest.account).joinedload(Account.building)).order_by(
        case((DispatchRequest.status.in_(AWAITING_STATUSES), 0), (is_open, 1), else_=2),
        case((is_open, DispatchRequest.created_at)),  # open ones: the longest waiting first
        DispatchRequest.created_at.desc(),  # closed ones: the latest first
        DispatchRequest.id,
    )
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def count_new(organization: Organization) -> int:
    """How many requests nobody has taken yet, the new and those a tenant sent back: the number in the queue's heading
    and title."""
    query = select(func.count()).where(
        DispatchRequest.organization_id == organization.id, DispatchRequest.status.in_(AWAITING_STATUSES)
    )
    return db.session.scalar(query)


def waited(request: DispatchRequest, now: datetime | None = None) -> timedelta:
    """How long the request has existed."""
    return (now or utcnow()) - request.created_at


def duration(delta: timedelta) -> str:
    """A wait as a dispatcher reads it at a glance: "2 д 5 ч", "3 ч 20 мин", "7 мин"."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d д %(hours)d ч", days=days, hours=hours)
    if hours:
        return _("%(hours)d ч %(minutes)d мин", hours=hours, minutes=minutes)
    return _("%(minutes)d мин", minutes=minutes)


def request_of(organization: Organization, request_id: int) -> DispatchRequest | None:
    """A request of the organization with its account, history and photos; None for another organization's."""
    query = (
        select(DispatchRequest)
        .where(DispatchRequest.id == request_id, DispatchRequest.organization_id == organization.id)
        .options(
            joinedload(DispatchRequest.account).joinedload(Account.building),
            selectinload(DispatchRequest.events),
            selectinload(DispatchRequest.photos),
        )
    )
    return db.session.scalar(query)


def photo_of(organization: Organization, request_id: int, photo_id: int) -> StoredFile | None:
    """The stored file of a photo of one of the organization's requests; None for anyone else's."""
    query = (
        select(StoredFile)
        .join(DispatchPhoto)
        .join(DispatchRequest)
        .where(
            DispatchPhoto.id == photo_id,
            DispatchRequest.id == request_id,
            DispatchRequest.organization_id == organization.id,
        )
    )
    return db.session.scalar(query)


def executors(organization: Organization, keep_id: int | None = None) -> list[Executor]:
    """Whom a request may be assigned to: the active executors, and the one assigned already even if retired."""
    query = select(Executor).where(
        Executor.organization_id == organization.id, or_(Executor.is_active, Executor.id == keep_id)
    )
    return list(db.session.scalars(query.order_by(Executor.name)))


def executor_names(organization: Organization) -> dict[int, str]:
    """Every executor's name by id, the retired too: the queue names whoever a request was given to."""
    query = select(Executor.id, Executor.name).where(Executor.organization_id == organization.id)
    return dict(db.session.execute(query).all())


def executor_of(request: DispatchRequest) -> Executor | None:
    """Whom the request is assigned to, if anyone."""
    return db.session.get(Executor, request.executor_id) if request.executor_id else None


def staff_names(request: DispatchRequest) -> dict[int, str]:
    """The names of the staff who wrote the request's history, by user id, in one query."""
    ids = {event.user_id for event in request.events if event.author == "staff" and event.user_id}
    if not ids:
        return {}
    return {user.id: user.full_name for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def assign(request: DispatchRequest, executor: Executor | None, staff_user: User) -> None:
    """Give the request to an executor (None takes it back); the audit log says who did it."""
    request.executor_id = executor.id if executor else None
    request.updated_at = utcnow()
    audit.record("dispatch.assign", target=request, details=executor.name if executor else "—", user=staff_user)
    db.session.commit()


def names_an_apartment(filed: DispatchRequest) -> bool:
    """Whether a request with no account is about an apartment (typed by the dispatcher, no account found there), not
    about a common area."""
    return filed.account_id is None and f", {APARTMENT}" in filed.location


def file_by_phone(
    organization: Organization,
    staff_user: User,
    *,
    account: Account | None,
    building: Building | None,
    location: str,
    category: str,
    description: str,
    contact_phone: str,
    access_time: str = "",
    premises: str = "",
) -> DispatchRequest:
    """A request the dispatcher took by phone: about an account (its tenants then see it in their list) or about a
    place in a building, a common area or an apartment with no account found (the building's address comes first in
    the place, which the building filter relies on; an apartment is written as in Account.address)."""
    if account is not None:
        place = location or account.address
    else:
        parts = [building.address, f"{APARTMENT}{premises}" if premises else "", location]
        place = ", ".join(part for part in parts if part)
    request = DispatchRequest(
        organization_id=organization.id,
        account_id=account.id if account else None,
        user_id=None,  # no tenant filed it: the status e-mails of change_status go to the request's own author only
        source="phone",
        category=category,
        description=description,
        location=place[:255],
        contact_phone=contact_phone,
        access_time=access_time or "",
    )
    request.events.append(DispatchEvent(user_id=staff_user.id, author="staff", status="new"))
    db.session.add(request)
    db.session.flush()
    audit.record("dispatch.new_by_phone", target=request, user=staff_user)
    db.session.commit()
    return request
