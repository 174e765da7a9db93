"""The bot's outgoing messages: rows written in the caller's transaction, delivered by the worker at a steady pace.

Shaped as the e-mail outbox (kabinet/outbox.py): each message is claimed by one UPDATE so that several workers never
send it twice, retried with its backoff on a network error or a 5xx, after `retry_after` on a 429, and given up after
TELEGRAM_MAX_ATTEMPTS. A 403 (the user blocked the bot) unlinks the chat. Nothing is lost while the Bot API is down:
the rows wait.
"""

import json
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from kabinet import audit
from kabinet.extensions import db
from kabinet.models import TelegramChat, TelegramMessage
from kabinet.telegram import client
from kabinet.worker import claims
from kabinet.worker.claims import Pace, Report

# A round sends at most ten seconds' worth, then lets the worker's other jobs run; a chat reads its messages in order.
TELEGRAM = claims.Queue(
    TelegramMessage,
    "Telegram message",
    "TELEGRAM_RATE_PER_SECOND",
    "TELEGRAM_MAX_ATTEMPTS",
    round_seconds=10,
    claim_for=timedelta(minutes=2),
    conversation=TelegramMessage.chat_id,
    halt_on_retry=True,
)
UNLINKED = "telegram.blocked"


def queue(chat_id: int, text: str, keyboard: dict | None = None) -> TelegramMessage:
    """Add a message to the current transaction: it goes when the caller commits, never if it rolls back."""
    message = TelegramMessage(chat_id=chat_id, text=text, reply_markup=json.dumps(keyboard) if keyboard else "")
    db.session.add(message)
    return message


def deliver_due(clock: datetime | None = None, pace: Pace | None = None) -> Report:
    """Send the messages that are due (kabinet.worker.claims.deliver): at most TELEGRAM_RATE_PER_SECOND, ten seconds'
    worth a round, a chat's messages in their order; the round ends early when the Bot API is down or flooded (the
    rest wait for the next). A no-op without a bot."""
    if not client.enabled():
        return Report()
    return claims.deliver(TELEGRAM, _send, clock, pace)


def _send(message: TelegramMessage) -> None:
    """Send one message; a refusal of the Bot API is retried (429, 5xx: after the time it asks or the backoff) or
    given up (any other; a 403 also unlinks the chat). An unreachable Bot API raises as is: retried."""
    params = {"chat_id": message.chat_id, "text": message.text}
    if message.reply_markup:
        params["reply_markup"] = json.loads(message.reply_markup)
    try:
        client.call("sendMessage", **params)
    except client.TelegramError as refusal:
        if refusal.blocked:
            _forget_chat(message.chat_id)
        # A flood (429) or the Bot API's own trouble (5xx) passes; any other refusal means the request itself is
        # wrong, and repeating it changes nothing.
        final = not (refusal.status == 429 or refusal.status >= 500)
        raise claims.Refused(str(refusal), final=final, after=refusal.retry_after) from refusal
    message.text = ""  # a balance or a reading is not kept once delivered


def _forget_chat(chat_id: int) -> None:
    """The user blocked the bot: unlink the chat and drop what else waits for it."""
    chat = db.session.scalar(select(TelegramChat).where(TelegramChat.chat_id == chat_id))
    if chat is not None:
        audit.record(UNLINKED, user=chat.user, target=f"telegram:{chat_id}")
        db.session.delete(chat)
    db.session.execute(
        delete(TelegramMessage).where(TelegramMessage.chat_id == chat_id, TelegramMessage.sent_at.is_(None),
                                      TelegramMessage.claimed_by.is_(None))
    )  # fmt: skip
