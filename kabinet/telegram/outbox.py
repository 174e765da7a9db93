"""The bot's outgoing messages: rows written in the caller's transaction, delivered by the worker at a steady pace.

Shaped as the e-mail outbox (kabinet/outbox.py): each message is claimed by one UPDATE so that several workers never
send it twice, retried with its backoff on a network error or a 5xx, after `retry_after` on a 429, and given up after
TELEGRAM_MAX_ATTEMPTS. A 403 (the user blocked the bot) unlinks the chat. Nothing is lost while the Bot API is down:
the rows wait.
"""

import json
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import delete, select, update

from kabinet import audit
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import TelegramChat, TelegramMessage
from kabinet.outbox import backoff
from kabinet.telegram import client
from kabinet.worker import claims
from kabinet.worker.claims import Pace, Report

CLAIM_FOR = timedelta(minutes=2)
ROUND_SECONDS = 10  # a round sends at most this many seconds' worth, then lets the worker's other jobs run
UNLINKED = "telegram.blocked"


def queue(chat_id: int, text: str, keyboard: dict | None = None) -> TelegramMessage:
    """Add a message to the current transaction: it goes when the caller commits, never if it rolls back."""
    message = TelegramMessage(chat_id=chat_id, text=text, reply_markup=json.dumps(keyboard) if keyboard else "")
    db.session.add(message)
    return message


def deliver_due(clock: datetime | None = None, pace: Pace | None = None) -> Report:
    """Send the messages that are due, paced, for at most ROUND_SECONDS' worth; stop early when the Bot API is down
    or flooded (the rest wait for the next round). A no-op without a bot."""
    report = Report()
    if not client.enabled():
        return report
    rate = current_app.config["TELEGRAM_RATE_PER_SECOND"]
    pace = pace or Pace(rate)
    claims.release_abandoned(TelegramMessage, clock or utcnow())
    limit = max(1, int(rate * ROUND_SECONDS))
    # Oldest first, not by next attempt: a chat's messages go in the order they were written.
    for message in claims.claim_due(TelegramMessage, clock, CLAIM_FOR, limit=limit, order=TelegramMessage.id):
        pace()
        outcome = _send(message, clock or utcnow())
        setattr(report, outcome, getattr(report, outcome) + 1)
        message.claimed_until = message.claimed_by = None
        db.session.commit()
        if outcome == "retried":
            break  # the Bot API is down or asks to slow down: the next messages would fare no better now
    if report != Report():
        counts = report.sent, report.retried, report.failed
        current_app.logger.info("Telegram: sent %s, to retry %s, given up %s", *counts)
    return report


def _send(message: TelegramMessage, now: datetime) -> str:
    """Try one message; which of the report's counts it adds to."""
    params = {"chat_id": message.chat_id, "text": message.text}
    if message.reply_markup:
        params["reply_markup"] = json.loads(message.reply_markup)
    try:
        client.call("sendMessage", **params)
    except client.TelegramError as refusal:
        message.attempts += 1
        message.last_error = str(refusal)[:2000]
        if refusal.blocked:
            _forget_chat(message.chat_id)
            return _give_up(message, now)
        if refusal.status == 429 or refusal.status >= 500:
            return _retry(message, now, refusal.retry_after)
        return _give_up(message, now)  # the request itself is wrong: repeating it changes nothing
    except requests.RequestException as error:
        message.attempts += 1
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        return _retry(message, now)
    message.sent_at, message.text = utcnow(), ""  # a balance or a reading is not kept once delivered
    return "sent"


def _retry(message: TelegramMessage, now: datetime, after: int | None = None) -> str:
    if message.attempts >= current_app.config["TELEGRAM_MAX_ATTEMPTS"]:
        return _give_up(message, now)
    message.next_attempt_at = now + (timedelta(seconds=after) if after else backoff(message.attempts))
    # The chat's later messages wait too: a conversation read out of order makes no sense.
    db.session.execute(
        update(TelegramMessage)
        .where(TelegramMessage.chat_id == message.chat_id, TelegramMessage.id > message.id,
               TelegramMessage.sent_at.is_(None), TelegramMessage.next_attempt_at < message.next_attempt_at)
        .values(next_attempt_at=message.next_attempt_at)
    )  # fmt: skip
    current_app.logger.warning("Telegram message %s will be retried: %s", message.id, message.last_error)
    return "retried"


def _give_up(message: TelegramMessage, now: datetime) -> str:
    message.failed_at = now
    current_app.logger.error("Telegram message %s given up: %s", message.id, message.last_error)
    return "failed"


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
