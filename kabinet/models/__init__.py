"""The database models, one module per aggregate."""

from kabinet.models.account import Account, AccountBinding, BindingRequest, CodeWordFailure
from kabinet.models.billing import Charge, Payment
from kabinet.models.book import Announcement, BookEntry, Feedback
from kabinet.models.dispatch import DispatchEvent, DispatchPhoto, DispatchRequest
from kabinet.models.meter import Meter, Reading, ReadingChange
from kabinet.models.organization import Building, Organization
from kabinet.models.outbox import OutboxMessage
from kabinet.models.user import User, UserSession

__all__ = [
    "Account",
    "Announcement",
    "AccountBinding",
    "BindingRequest",
    "BookEntry",
    "Building",
    "Charge",
    "CodeWordFailure",
    "DispatchEvent",
    "DispatchPhoto",
    "DispatchRequest",
    "Feedback",
    "Meter",
    "OutboxMessage",
    "Organization",
    "Payment",
    "Reading",
    "ReadingChange",
    "User",
    "UserSession",
]
