"""Long polling, for installations without a public address (TELEGRAM_MODE=polling): the worker asks getUpdates.

The offset lives in the database. Each update first moves it on by one conditional UPDATE, committed, and only then
is answered: of several workers exactly one answers each update, and a restart never answers one twice (an update a
worker dies in the middle of is lost: its sender simply writes again).
"""

import requests
from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from kabinet.extensions import db
from kabinet.models import TelegramPolling
from kabinet.telegram import client, conversation

CURSOR = "updates"


def poll() -> int:
    """Fetch the waiting updates and answer them; how many were answered. A no-op in webhook mode or without a bot."""
    if not client.enabled() or current_app.config["TELEGRAM_MODE"] != "polling":
        return 0
    offset = _offset()
    try:
        updates = client.call("getUpdates", offset=offset, timeout=0, allowed_updates=["message"])
    except (client.TelegramError, requests.RequestException) as error:
        current_app.logger.warning("Telegram getUpdates failed: %s", error)
        return 0
    answered = 0
    for update_ in sorted(updates or [], key=lambda u: u.get("update_id", 0)):
        update_id = update_.get("update_id")
        if not isinstance(update_id, int) or update_id < offset:
            continue
        if not _advance(offset, update_id + 1):
            break  # another worker took these updates
        offset = update_id + 1
        try:
            conversation.handle(update_)
            answered += 1
        except Exception:  # noqa: BLE001 -- one update the bot cannot answer must not stop every later one
            db.session.rollback()
            current_app.logger.exception("Telegram update %s could not be answered", update_id)
    return answered


def _offset() -> int:
    """The next update to ask for; the first poll ever adds the row (another worker may add it at the same moment)."""
    cursor = db.session.get(TelegramPolling, CURSOR)
    if cursor is None:
        try:
            with db.session.begin_nested():
                db.session.add(TelegramPolling(name=CURSOR, next_update_id=0))
        except IntegrityError:
            pass
        db.session.commit()
        cursor = db.session.get(TelegramPolling, CURSOR)
    return cursor.next_update_id


def _advance(expected: int, next_id: int) -> bool:
    """Move the offset from `expected` on to `next_id`, committed; False if another worker moved it meanwhile."""
    moved = db.session.execute(
        update(TelegramPolling)
        .where(TelegramPolling.name == CURSOR, TelegramPolling.next_update_id == expected)
        .values(next_update_id=next_id)
    )
    db.session.commit()
    return moved.rowcount == 1
