"""Whose contacts a visitor sees, how they read, and the "Обратная связь" message that reaches the staff."""

import re
from datetime import timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import select

from kabinet import outbox
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.filters import tel
from kabinet.models import Account, AccountBinding, Feedback, Organization, User
from kabinet.organizations import default_organization, organizations

# A second identical message within this time is a double click or a refresh, not a new message.
REPEAT_WINDOW = timedelta(minutes=1)
PHONE_SEPARATORS = re.compile(r"[,;]")


class Phone(NamedTuple):
    text: str
    href: str


class Card(NamedTuple):
    """An organization's contacts as the contacts page shows them, the COMPANY_* settings filling the gaps."""

    organization_id: int
    name: str
    address: str
    phones: list[Phone]
    dispatch_phone: Phone | None
    email: str
    opening_hours: str


def organizations_of(user: User) -> list[Organization]:
    """The organizations of the user's bound accounts, the first bound account's first; none for a visitor."""
    if not user.is_authenticated:
        return []
    query = (
        select(Organization)
        .join(Account, Account.organization_id == Organization.id)
        .join(AccountBinding, AccountBinding.account_id == Account.id)
        .where(AccountBinding.user_id == user.id)
        .order_by(AccountBinding.created_at, AccountBinding.id)
    )
    return list(dict.fromkeys(db.session.scalars(query)))


def home_organization(user: User) -> Organization:
    """The organization a tenant writes to: their first bound account's, else the installation's own."""
    return next(iter(organizations_of(user)), None) or default_organization()


def phone_link(text: str) -> Phone:
    """A phone as typed by the staff, with a tel: link a phone can dial."""
    return Phone(text.strip(), tel(text))


def card(organization: Organization) -> Card:
    """The contacts of one organization; an installation that never filled them shows its COMPANY_* settings."""
    config = current_app.config
    phones = [p for p in PHONE_SEPARATORS.split(organization.phones or config["COMPANY_PHONE"]) if p.strip()]
    return Card(
        organization_id=organization.id,
        name=organization.name or config["COMPANY_NAME"],
        address=organization.address,
        phones=[phone_link(p) for p in phones],
        dispatch_phone=phone_link(organization.dispatch_phone) if organization.dispatch_phone else None,
        email=organization.email or config["COMPANY_EMAIL"],
        opening_hours=organization.opening_hours,
    )


def cards_for(user: User) -> list[Card]:
    """A tenant's organizations; for a visitor, or a tenant without accounts, every organization there is."""
    return [card(o) for o in organizations_of(user) or organizations() or [default_organization()]]


def staff_address(organization: Organization) -> str:
    """Where the organization reads its mail."""
    return organization.email or current_app.config["COMPANY_EMAIL"]


def send_feedback(organization: Organization, user: User | None, name: str, contact: str, message: str) -> Feedback:
    """Store the message for the staff and e-mail it to the organization; the same message again within a minute
    (a double click, a refresh) is the one already sent."""
    since = utcnow() - REPEAT_WINDOW
    repeated = db.session.scalar(
        select(Feedback).where(
            Feedback.organization_id == organization.id,
            Feedback.contact == contact,
            Feedback.message == message,
            Feedback.created_at >= since,
        )
    )
    if repeated is not None:
        return repeated
    feedback = Feedback(
        organization_id=organization.id, user_id=user.id if user else None, name=name, contact=contact, message=message
    )
    db.session.add(feedback)
    db.session.flush()
    outbox.queue(staff_address(organization), "contacts/feedback", feedback=feedback, organization=organization)
    db.session.commit()
    return feedback
