"""A request's deadline: the hours the company gives itself for its category, counted from when it came in (or from
when the tenant sent it back). Computed, not stored, so a deadline the company changes applies to the open requests
at once, and the same rule marks a row of the queue, filters the queue in SQL and counts the dashboard's overdue."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, delete, func, select

from kabinet import audit
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import DispatchDeadline, DispatchRequest, Organization, User
from kabinet.models.dispatch import CATEGORIES, OPEN_STATUSES

MAX_HOURS = 720  # 30 days: a longer promise is no deadline at all


@dataclass(frozen=True)
class Deadlines:
    """The hours for each category of one organization (every category present)."""

    hours: dict[str, int]

    def due(self, request: DispatchRequest) -> datetime:
        """When the request must be done: its hours after it came in, or after the tenant sent it back."""
        return (request.reopened_at or request.created_at) + timedelta(hours=self.hours[request.category])

    def missed(self, request: DispatchRequest, now: datetime | None = None) -> bool:
        """An open request past its deadline: the queue marks it."""
        return request.is_open and self.due(request) < (now or utcnow())

    def missed_clause(self, now: datetime):
        """missed() as SQL: each category's latest start still in time is computed here, so both databases compare
        plain timestamps (no date arithmetic in SQL)."""
        started = func.coalesce(DispatchRequest.reopened_at, DispatchRequest.created_at)
        latest = case(
            {category: now - timedelta(hours=hours) for category, hours in self.hours.items()},
            value=DispatchRequest.category,
        )
        return and_(DispatchRequest.status.in_(OPEN_STATUSES), started < latest)


def set_hours(organization_id: int) -> dict[str, int]:
    """The hours the organization set, by category; a category it left to the default is absent."""
    query = select(DispatchDeadline.category, DispatchDeadline.hours).where(
        DispatchDeadline.organization_id == organization_id
    )
    return dict(db.session.execute(query).all())


def deadlines_of(organization_id: int, default: int | None = None) -> Deadlines:
    """The organization's deadlines; a category it did not set has `default` hours (DISPATCH_OVERDUE_HOURS)."""
    default = current_app.config["DISPATCH_OVERDUE_HOURS"] if default is None else default
    chosen = set_hours(organization_id)
    return Deadlines({category: chosen.get(category, default) for category in CATEGORIES})


def save_hours(organization: Organization, hours: dict[str, int | None], staff_user: User) -> list[str]:
    """Set the hours of each category (None: back to the default); the changes, also written to the audit log."""
    before = set_hours(organization.id)
    changes = []
    for category in CATEGORIES:
        old, new = before.get(category), hours.get(category)
        if old == new:
            continue
        changes.append(f"{category}: {old or '—'} → {new or '—'}")
        db.session.execute(
            delete(DispatchDeadline).where(
                DispatchDeadline.organization_id == organization.id, DispatchDeadline.category == category
            )
        )
        if new is not None:
            db.session.add(DispatchDeadline(organization_id=organization.id, category=category, hours=new))
    if changes:
        audit.record("dispatch.deadlines", details="; ".join(changes), user=staff_user)
    db.session.commit()
    return changes
