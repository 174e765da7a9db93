"""The rules of a request to the dispatch service: filing, comments, cancelling, rating and the staff's status changes.

Each function takes and returns models and commits its own change, so the tenant's pages and the staff's queue
call the same rules, and the tests call them without a request.
"""

from collections.abc import Sequence
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from kabinet.clock import utcnow
from kabinet.dispatch import photos as photo_files
from kabinet.extensions import db
from kabinet.models import Account, AccountBinding, DispatchEvent, DispatchPhoto, DispatchRequest, Organization, User
from kabinet.models.dispatch import STATUSES
from kabinet.organizations import default_organization
from kabinet.outbox import queue
from kabinet.urls import external_url

CATEGORY_LABELS = {
    "leak": _l("Протечка"),
    "no_water": _l("Нет воды"),
    "no_heating": _l("Нет отопления"),
    "no_electricity": _l("Нет электричества"),
    "elevator": _l("Лифт"),
    "sewage": _l("Канализация"),
    "other": _l("Другое"),
}
STATUS_LABELS = {
    "new": _l("Новая"),
    "in_progress": _l("В работе"),
    "done": _l("Выполнена"),
    "rejected": _l("Отклонена"),
    "cancelled": _l("Отменена"),
}
STATUS_BADGES = {
    "new": "text-bg-primary",
    "in_progress": "text-bg-warning",
    "done": "text-bg-success",
    "rejected": "text-bg-danger",
    "cancelled": "text-bg-secondary",
}
# The same request sent again this soon is a double click or a resubmitted page, not a second emergency.
DUPLICATE_WINDOW = timedelta(minutes=10)
PER_PAGE = 20


def dispatch_phone(organization_id: int | None = None) -> str:
    """The phone of the organization's dispatch service; the organization's own phone where none is known."""
    organization = db.session.get(Organization, organization_id) if organization_id else None
    organization = organization or default_organization()
    return organization.dispatch_phone or organization.phone


def _visible_to(user: User):
    """Requests the tenant filed, and those about an account bound to them (a family sees each other's)."""
    bound = select(AccountBinding.account_id).where(AccountBinding.user_id == user.id)
    return or_(DispatchRequest.user_id == user.id, DispatchRequest.account_id.in_(bound))


def requests_for(user: User, page: int = 1):
    """The tenant's requests, newest first, a page at a time."""
    query = (
        select(DispatchRequest)
        .where(_visible_to(user))
        .options(joinedload(DispatchRequest.account))
        .order_by(DispatchRequest.created_at.desc(), DispatchRequest.id.desc())
    )
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def request_for(user: User, request_id: int) -> DispatchRequest | None:
    """The request with its history and photos if this tenant may see it; None for anyone else's."""
    query = (
        select(DispatchRequest)
        .where(DispatchRequest.id == request_id, _visible_to(user))
        .options(
            joinedload(DispatchRequest.account).joinedload(Account.building),
            selectinload(DispatchRequest.events),
            selectinload(DispatchRequest.photos),
        )
    )
    return db.session.scalar(query)


def photo_for(user: User, request_id: int, photo_id: int) -> DispatchPhoto | None:
    """A photo of a request this tenant may see; None otherwise, whoever's it is."""
    query = (
        select(DispatchPhoto)
        .join(DispatchRequest)
        .where(DispatchPhoto.id == photo_id, DispatchRequest.id == request_id, _visible_to(user))
    )
    return db.session.scalar(query)


def _duplicate_of(user: User, account: Account | None, category: str, description: str) -> DispatchRequest | None:
    same_account = DispatchRequest.account_id == account.id if account else DispatchRequest.account_id.is_(None)
    query = select(DispatchRequest).where(
        DispatchRequest.user_id == user.id,
        same_account,
        DispatchRequest.category == category,
        DispatchRequest.description == description,
        DispatchRequest.created_at >= utcnow() - DUPLICATE_WINDOW,
    )
    return db.session.scalars(query.order_by(DispatchRequest.id)).first()


def place(account: Account | None, location: str, accounts: Sequence[Account]) -> str:
    """Where the request is about: the chosen account's address when `location` is another of the tenant's accounts'.

    The form comes with the preselected account's address filled in; a tenant who then picks another account in the
    list rarely thinks to retype it. Anything they typed themselves (a staircase, a floor) is kept as it is.
    """
    others = {other.address for other in accounts if account is not None and other.id != account.id}
    return account.address if location in others else location


def create(
    user: User,
    account: Account | None,
    *,
    category: str,
    description: str,
    location: str,
    contact_phone: str,
    access_time: str = "",
    photos: Sequence[photo_files.Photo] = (),
) -> tuple[DispatchRequest, bool]:
    """File a request with its photos and its first history line; (request, True) when it is new.

    The same request filed again within DUPLICATE_WINDOW returns the first one, (request, False): two clicks
    that arrive together are made to wait for each other by a lock on the tenant's row (PostgreSQL)."""
    db.session.scalar(select(User.id).where(User.id == user.id).with_for_update())
    existing = _duplicate_of(user, account, category, description)
    if existing:
        db.session.commit()
        return existing, False
    organization_id = account.organization_id if account else default_organization().id
    request = DispatchRequest(
        organization_id=organization_id,
        account_id=account.id if account else None,
        user_id=user.id,
        category=category,
        description=description,
        location=location or (account.address if account else ""),
        contact_phone=contact_phone,
        access_time=access_time or "",
    )
    request.events.append(DispatchEvent(user_id=user.id, author="tenant", status="new"))
    stored = []
    try:
        for photo in photos:
            name = photo_files.save(photo)
            stored.append(name)
            request.photos.append(DispatchPhoto(filename=name, content_type=photo.content_type, size=len(photo.data)))
        db.session.add(request)
        db.session.commit()
    except Exception:
        db.session.rollback()
        photo_files.remove(stored)
        raise
    return request, True


def can_comment(request: DispatchRequest) -> bool:
    """A request the tenant withdrew is closed to comments; any other may still need a word."""
    return request.status != "cancelled"


def comment(request: DispatchRequest, user: User, text: str) -> DispatchEvent:
    """Add the tenant's comment to the history."""
    if not can_comment(request):
        raise ValueError("a cancelled request takes no comments")
    event = DispatchEvent(request=request, user_id=user.id, author="tenant", text=text)
    request.updated_at = utcnow()
    db.session.add(event)
    db.session.commit()
    return event


def cancel(request: DispatchRequest, user: User) -> bool:
    """Withdraw a request the service has not taken yet; False when it is no longer new (it may be on its way)."""
    now = utcnow()
    changed = db.session.execute(
        update(DispatchRequest)
        .where(DispatchRequest.id == request.id, DispatchRequest.status == "new")
        .values(status="cancelled", updated_at=now)
    )
    if changed.rowcount != 1:
        db.session.rollback()
        return False
    db.session.add(DispatchEvent(request_id=request.id, user_id=user.id, author="tenant", status="cancelled"))
    db.session.commit()
    db.session.refresh(request)
    return True


def rate(request: DispatchRequest, rating: int, text: str = "") -> bool:
    """Rate the work done, once; False when the request is not done or was rated already."""
    if not 1 <= rating <= 5:
        raise ValueError(f"rating {rating} is not 1-5")
    changed = db.session.execute(
        update(DispatchRequest)
        .where(DispatchRequest.id == request.id, DispatchRequest.status == "done", DispatchRequest.rating.is_(None))
        .values(rating=rating, rating_comment=text or "")
    )
    if changed.rowcount != 1:
        db.session.rollback()
        return False
    db.session.commit()
    db.session.refresh(request)
    return True


def change_status(request: DispatchRequest, status: str, comment: str, staff_user: User | None) -> DispatchEvent:
    """The staff move a request on: the history records it, and the author learns of it by e-mail."""
    if status not in STATUSES or status == request.status:
        raise ValueError(f"cannot change {request.status!r} to {status!r}")
    request.status = status
    request.updated_at = utcnow()
    event = DispatchEvent(
        request=request, user_id=staff_user.id if staff_user else None, author="staff", status=status, text=comment
    )
    db.session.add(event)
    author = db.session.get(User, request.user_id) if request.user_id else None
    if author:
        queue(
            author.email,
            "dispatch/status",
            user=author,
            request=request,
            status=STATUS_LABELS[status],
            category=CATEGORY_LABELS[request.category],
            comment=comment,
            link=external_url("dispatch.show", request_id=request.id),
        )
    db.session.commit()
    return event
