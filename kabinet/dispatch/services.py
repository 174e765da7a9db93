"""The rules of a request to the dispatch service: filing, comments, cancelling, rating, reopening, and the staff's
status changes and comments with the e-mails they send.

Each function takes and returns models and commits its own change, so the tenant's pages and the staff's queue
call the same rules, and the tests call them without a request.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from kabinet import audit
from kabinet.clock import utcnow
from kabinet.dispatch import photos as photo_files
from kabinet.extensions import db
from kabinet.models import (
    Account,
    AccountBinding,
    DispatchEvent,
    DispatchPhoto,
    DispatchRequest,
    Organization,
    StoredFile,
    User,
)
from kabinet.models.dispatch import STATUSES
from kabinet.notifications import notify
from kabinet.organizations import default_organization
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
    "reopened": _l("Возобновлена"),
}
STATUS_BADGES = {
    "new": "text-bg-primary",
    "in_progress": "text-bg-warning",
    "done": "text-bg-success",
    "rejected": "text-bg-danger",
    "cancelled": "text-bg-secondary",
    "reopened": "text-bg-info",
}
# The rating scale in words, wherever a mark is asked or shown.
RATING_WORDS = {
    5: _l("Отлично"),
    4: _l("Хорошо"),
    3: _l("Удовлетворительно"),
    2: _l("Плохо"),
    1: _l("Очень плохо"),
}
# The same request sent again this soon is a double click or a resubmitted page, not a second emergency.
DUPLICATE_WINDOW = timedelta(minutes=10)
PER_PAGE = 20


def dispatch_phone(organization_id: int | None = None) -> str:
    """The phone of the organization's dispatch service; the organization's own phone where none is known."""
    organization = db.session.get(Organization, organization_id) if organization_id else None
    organization = organization or default_organization()
    return organization.dispatch_phone or organization.phone


def dispatch_phones(organizations: list[Organization]) -> list[tuple[str, str]]:
    """(organization's name, its dispatch phone) for each of a tenant's organizations; the installation's alone,
    unnamed, for a tenant without accounts."""
    if len(organizations) < 2:
        return [("", dispatch_phone(organizations[0].id if organizations else None))]
    return [(organization.name, organization.dispatch_phone or organization.phone) for organization in organizations]


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


def photo_for(user: User, request_id: int, photo_id: int) -> StoredFile | None:
    """The stored file of a photo of a request this tenant may see; None otherwise, whoever's it is."""
    query = (
        select(StoredFile)
        .join(DispatchPhoto)
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
    request.photos = [photo_files.stored(photo) for photo in photos]
    db.session.add(request)
    db.session.commit()
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


def rate(request: DispatchRequest, user: User, rating: int, text: str = "") -> bool:
    """Rate the work done, once (a line of the history keeps it); False when the request is not done or was rated."""
    if rating not in RATING_WORDS:
        raise ValueError(f"rating {rating} is not 1-5")
    now = utcnow()
    changed = db.session.execute(
        update(DispatchRequest)
        .where(DispatchRequest.id == request.id, DispatchRequest.status == "done", DispatchRequest.rating.is_(None))
        .values(rating=rating, rating_comment=text or "", rated_at=now)
    )
    if changed.rowcount != 1:
        db.session.rollback()
        return False
    db.session.add(
        DispatchEvent(
            request_id=request.id, user_id=user.id, author="tenant", rating=rating, text=text or "", created_at=now
        )
    )
    db.session.commit()
    db.session.refresh(request)
    return True


def reopen_until(request: DispatchRequest) -> datetime | None:
    """Until when the tenant may send the done request back: DISPATCH_REOPEN_DAYS after it was last done."""
    if request.status != "done":
        return None
    done = [event.created_at for event in request.events if event.status == "done"]
    return max(done) + timedelta(days=current_app.config["DISPATCH_REOPEN_DAYS"]) if done else None


def can_reopen(request: DispatchRequest, now: datetime | None = None) -> bool:
    """Whether the tenant may send the request back now."""
    until = reopen_until(request)
    return until is not None and (now or utcnow()) <= until


def reopen(request: DispatchRequest, user: User, reason: str, now: datetime | None = None) -> bool:
    """Send a done request back to the queue with the tenant's reason; its deadline starts again. Its rating is
    withdrawn (the history keeps it), so the work redone can be rated. False when it may not be sent back (too late,
    not done), or another click just did it: two clicks at once reopen it once."""
    now = now or utcnow()
    if not can_reopen(request, now):
        return False
    changed = db.session.execute(
        update(DispatchRequest)
        .where(DispatchRequest.id == request.id, DispatchRequest.status == "done")
        .values(status="reopened", reopened_at=now, updated_at=now, rating=None, rating_comment="", rated_at=None)
    )
    if changed.rowcount != 1:
        db.session.rollback()
        return False
    db.session.add(
        DispatchEvent(
            request_id=request.id, user_id=user.id, author="tenant", status="reopened", text=reason, created_at=now
        )
    )
    db.session.commit()
    db.session.refresh(request)
    return True


def reopen_reason(request: DispatchRequest) -> str:
    """Why the tenant last sent the request back, for the dispatcher ("" if never)."""
    reasons = [event.text for event in request.events if event.status == "reopened"]
    return reasons[-1] if reasons else ""


def recipients(request: DispatchRequest) -> list[User]:
    """Who is e-mailed about a request's progress: the tenant who filed it; for one taken by phone, which has no
    author, the account's tenants with a confirmed e-mail who are not blocked."""
    if request.user_id:
        author = db.session.get(User, request.user_id)
        return [author] if author else []
    if request.account_id is None:
        return []
    query = (
        select(User)
        .join(AccountBinding, AccountBinding.user_id == User.id)
        .where(AccountBinding.account_id == request.account_id)
        .where(User.confirmed_at.is_not(None), User.blocked_at.is_(None))
        .order_by(User.id)
    )
    return list(db.session.scalars(query))


def _tell_tenants(request: DispatchRequest, event: DispatchEvent, template: str, **context) -> int:
    """Notify each of the request's recipients of the event (`template`), as each chose; how many were e-mailed."""
    db.session.flush()  # the event's id names it in the ledger
    emailed = 0
    for person in recipients(request):
        told = notify(
            person,
            "request",
            f"request:{request.id}:event:{event.id}",
            template,
            request=request,
            category=CATEGORY_LABELS[request.category],
            link=external_url("dispatch.show", request_id=request.id),
            **context,
        )
        emailed += "email" in told
    return emailed


def change_status(request: DispatchRequest, status: str, comment: str, staff_user: User | None) -> int:
    """The staff move a request on: the history records it and its tenants learn of it by e-mail; how many were
    e-mailed. "reopened" is the tenant's to set (reopen)."""
    if status not in STATUSES or status in (request.status, "reopened"):
        raise ValueError(f"cannot change {request.status!r} to {status!r}")
    request.status = status
    request.updated_at = utcnow()
    event = DispatchEvent(
        request=request, user_id=staff_user.id if staff_user else None, author="staff", status=status, text=comment
    )
    db.session.add(event)
    emailed = _tell_tenants(request, event, "dispatch/status", status=STATUS_LABELS[status], comment=comment)
    db.session.commit()
    return emailed


def answer(request: DispatchRequest, staff_user: User, text: str) -> int:
    """A dispatcher's comment that leaves the status as it is: a line of the history, an e-mail to the request's
    tenants, a line of the audit log; how many were e-mailed."""
    request.updated_at = utcnow()
    event = DispatchEvent(request=request, user_id=staff_user.id, author="staff", text=text)
    db.session.add(event)
    emailed = _tell_tenants(request, event, "dispatch/comment", comment=text)
    audit.record("dispatch.comment", target=request, user=staff_user)
    db.session.commit()
    return emailed
