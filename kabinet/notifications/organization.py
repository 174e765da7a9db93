"""An organization's say over its reminders: which it sends, and the debt reminder's day and threshold."""

from decimal import Decimal

from kabinet import audit
from kabinet.extensions import db
from kabinet.models import Organization, OrganizationNotices, User
from kabinet.models.notification import DEBT_DAY, DEBT_MINIMUM
from kabinet.notifications.services import KINDS

SCHEDULED = tuple(kind for kind, about in KINDS.items() if about.scheduled)


def notices_of(organization: Organization) -> OrganizationNotices:
    """The organization's settings; the defaults (everything sent) for one that never saved any, not stored."""
    return db.session.get(OrganizationNotices, organization.id) or OrganizationNotices(
        organization_id=organization.id, kinds_off=[], debt_day=DEBT_DAY, debt_minimum=DEBT_MINIMUM
    )


def sends(notices: OrganizationNotices, kind: str) -> bool:
    """Whether the organization sends this reminder (the event notices are the staff's own acts: always)."""
    return kind not in (notices.kinds_off or [])


def kinds_on(notices: OrganizationNotices) -> dict[str, bool]:
    """Each scheduled reminder and whether the organization sends it."""
    return {kind: sends(notices, kind) for kind in SCHEDULED}


def save_notices(
    organization: Organization, chosen: dict[str, bool], debt_day: int, debt_minimum: Decimal, by: User
) -> None:
    """Store the organization's choices, with an audit record of what they are now."""
    notices = notices_of(organization)
    notices.kinds_off = sorted(kind for kind in SCHEDULED if not chosen.get(kind, True))
    notices.debt_day, notices.debt_minimum = debt_day, debt_minimum
    db.session.add(notices)
    details = f"off: {', '.join(notices.kinds_off) or '-'}; debt day {debt_day}, from {debt_minimum}"
    audit.record("organization.notices", target=organization, details=details, user=by)
    db.session.commit()
