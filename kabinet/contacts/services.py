"""Whose contacts a visitor sees, how they read, and the "Обратная связь" message that reaches the staff."""

from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import select

from kabinet import outbox
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.filters import tel
from kabinet.models import Feedback, Organization, User
from kabinet.organizations import default_organization, organizations, organizations_of

# A second identical message within this time is a double click or a refresh, not a new message.
REPEAT_WINDOW = timedelta(minutes=1)


class Phone(NamedTuple):
    text: str
    href: str


class Card(NamedTuple):
    """An organization's contacts as the contacts page shows them."""

    organization_id: int
    name: str
    address: str
    phones: list[Phone]
    dispatch_phone: Phone | None
    email: str
    opening_hours: str


def home_organization(user: User) -> Organization:
    """The organization a tenant writes to: their first bound account's, else the installation's own."""
    return next(iter(organizations_of(user)), None) or default_organization()


def recipients(user: User) -> list[Organization]:
    """Whom the user may write to: a tenant's own organizations (their accounts'); anyone else, every organization
    there is (the installation's own before any is stored)."""
    return organizations_of(user) or organizations() or [default_organization()]


def phone_link(text: str) -> Phone:
    """A phone as typed by the staff, with a tel: link a phone can dial."""
    return Phone(text.strip(), tel(text))


def card(organization: Organization) -> Card:
    """The contacts of one organization as its admin entered them («Организация»); what is empty is not shown."""
    return Card(
        organization_id=organization.id,
        name=organization.name,
        address=organization.address,
        phones=[phone_link(p) for p in organization.phone_list],
        dispatch_phone=phone_link(organization.dispatch_phone) if organization.dispatch_phone else None,
        email=organization.email,
        opening_hours=organization.opening_hours,
    )


def cards_for(user: User) -> list[Card]:
    """A tenant's organizations; for a visitor, or a tenant without accounts, every organization there is."""
    return [card(o) for o in recipients(user)]


def staff_address(organization: Organization) -> str:
    """Where the organization reads its mail: its own e-mail, else the installation's organization's (may be empty)."""
    return organization.email or default_organization().email


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
    if address := staff_address(organization):  # without one the staff still read it at «Обратная связь»
        outbox.queue(address, "contacts/feedback", feedback=feedback, organization=organization)
    db.session.commit()
    return feedback
