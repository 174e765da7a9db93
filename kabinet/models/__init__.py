"""The database models, one module per aggregate."""

from kabinet.models.account import Account, AccountBinding, BindingRequest, CodeWordFailure
from kabinet.models.billing import Charge, Payment
from kabinet.models.meter import Meter, Reading
from kabinet.models.organization import Building, Organization
from kabinet.models.outbox import OutboxMessage
from kabinet.models.user import User, UserSession

__all__ = [
    "Account",
    "AccountBinding",
    "BindingRequest",
    "Building",
    "Charge",
    "CodeWordFailure",
    "Meter",
    "OutboxMessage",
    "Organization",
    "Payment",
    "Reading",
    "User",
    "UserSession",
]
