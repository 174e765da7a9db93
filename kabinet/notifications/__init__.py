"""Notifications to tenants: what kinds there are, who wants which on which channel, and one way to send them.

`notify(user, kind, event_key, template, **context)` is the only entry point: for each channel the user wants and
has, it hands the message to that channel's sender (SENDERS) and writes the event to the ledger, all in the caller's
transaction, so an event is told once whatever retries and reruns happen.
"""

from kabinet.notifications import email  # noqa: F401 -- registers SENDERS["email"]
from kabinet.notifications.services import BATCHES, CHANNELS, KINDS, SENDERS, Kind, notify, notify_all, wants
from kabinet.telegram import services as telegram

SENDERS["telegram"] = telegram.send
BATCHES["telegram"] = telegram.batch

__all__ = ["BATCHES", "CHANNELS", "KINDS", "SENDERS", "Kind", "notify", "notify_all", "wants"]
