"""The database models, one module per aggregate."""

from kabinet.models.account import Account, AccountBinding, BindingDraft, BindingRequest
from kabinet.models.audit import AuditEvent
from kabinet.models.billing import Charge, Payment
from kabinet.models.book import Announcement, BookEntry, Feedback
from kabinet.models.dispatch import DispatchDeadline, DispatchEvent, DispatchPhoto, DispatchRequest
from kabinet.models.document import Document
from kabinet.models.meter import Meter, Reading, ReadingChange
from kabinet.models.notification import NotificationChoice, NotificationSent, OrganizationNotices
from kabinet.models.organization import Building, Executor, Organization
from kabinet.models.outbox import OutboxMessage
from kabinet.models.storage import StoredFile
from kabinet.models.telegram import (
    TelegramChat,
    TelegramConversation,
    TelegramLinkToken,
    TelegramMessage,
    TelegramPolling,
)
from kabinet.models.user import RecoveryCode, SocialIdentity, User, UserSession
from kabinet.models.waiting import WaitingAddress
from kabinet.models.worker import ScheduledJob, WorkerHeartbeat

__all__ = [
    "Account",
    "Announcement",
    "AuditEvent",
    "AccountBinding",
    "BindingDraft",
    "BindingRequest",
    "BookEntry",
    "Building",
    "Charge",
    "DispatchDeadline",
    "DispatchEvent",
    "DispatchPhoto",
    "DispatchRequest",
    "Document",
    "Executor",
    "Feedback",
    "Meter",
    "NotificationChoice",
    "NotificationSent",
    "OrganizationNotices",
    "OutboxMessage",
    "Organization",
    "Payment",
    "Reading",
    "ReadingChange",
    "RecoveryCode",
    "ScheduledJob",
    "SocialIdentity",
    "StoredFile",
    "TelegramChat",
    "TelegramConversation",
    "TelegramLinkToken",
    "TelegramMessage",
    "TelegramPolling",
    "User",
    "UserSession",
    "WaitingAddress",
    "WorkerHeartbeat",
]
