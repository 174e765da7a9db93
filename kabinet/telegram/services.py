"""The bot's rules about people: linking a chat to a user by a single-use deep link, unlinking, and sending to them.

`send(user, template, context)` is the Telegram channel of the notifications (kabinet.notifications' SENDERS): it
queues `templates/telegram/<template>.txt` in the user's language to their chat, in the caller's transaction.
"""

import hashlib
import secrets
from datetime import timedelta
from enum import Enum

from sqlalchemy import delete, select

from kabinet import audit
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.language import language_of, speaking
from kabinet.models import TelegramChat, TelegramConversation, TelegramLinkToken, TelegramMessage, User
from kabinet.outbox import render
from kabinet.telegram import client, outbox
from kabinet.telegram.keyboards import REMOVE

LINK_LIFETIME = timedelta(minutes=30)
LINKED, UNLINKED = "telegram.linked", "telegram.unlinked"


class Linking(Enum):
    """What became of a `/start <token>`."""

    LINKED = "linked"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


def digest(token: str) -> str:
    """How a link token is stored: a leaked table links no chat."""
    return hashlib.sha256(token.encode()).hexdigest()


BATCH = "kabinet.telegram.batch"  # db.session.info's key: a reminder batch's user ids and their linked chats


def batch(user_ids: list[int] | None) -> None:
    """Read the linked chats of a batch of recipients in one query (a reminder to thousands would otherwise ask once
    for each), or forget them when the batch ends (None). Nothing to read without a bot."""
    if user_ids is None or not client.enabled():
        db.session.info.pop(BATCH, None)
        return
    chats = db.session.scalars(select(TelegramChat).where(TelegramChat.user_id.in_(user_ids)))
    db.session.info[BATCH] = (set(user_ids), {chat.user_id: chat for chat in chats})


def chat_of(user: User) -> TelegramChat | None:
    """The user's linked chat, if any (from the batch being notified, when the user is in it)."""
    known = db.session.info.get(BATCH)
    if known is not None and user.id in known[0]:
        return known[1].get(user.id)
    return db.session.scalar(select(TelegramChat).where(TelegramChat.user_id == user.id))


def is_linked(user: User) -> bool:
    """Whether the bot can reach the user."""
    return chat_of(user) is not None


def deep_link(user: User) -> str:
    """A new single-use link (`https://t.me/<bot>?start=<token>`) for 30 minutes; the user's earlier ones die.

    Asks the bot's name first (getMe, once per process), so that a Bot API out of reach leaves no token behind."""
    username = client.bot_username()
    token = secrets.token_urlsafe(24)  # 32 characters of [A-Za-z0-9_-], as a start parameter allows
    db.session.execute(delete(TelegramLinkToken).where(TelegramLinkToken.user_id == user.id))
    db.session.add(TelegramLinkToken(digest=digest(token), user_id=user.id, expires_at=utcnow() + LINK_LIFETIME))
    db.session.commit()
    return f"https://t.me/{username}?start={token}"


def usable(token: str) -> bool:
    """Whether a deep link's token would still link a chat: known, unused, not expired."""
    found = db.session.scalar(select(TelegramLinkToken).where(TelegramLinkToken.digest == digest(token)))
    return found is not None and found.used_at is None and found.expires_at >= utcnow()


def link(chat_id: int, token: str) -> tuple[Linking, User | None]:
    """Link the chat to the token's user, spending the token; a user has one chat, a chat one user (the newer link
    replaces the older). Nothing is linked for an unknown, used or expired token."""
    found = db.session.scalar(select(TelegramLinkToken).where(TelegramLinkToken.digest == digest(token)))
    if found is None:
        return Linking.UNKNOWN, None
    if found.used_at is not None:
        return Linking.USED, None
    now = utcnow()
    if found.expires_at < now:
        return Linking.EXPIRED, None
    found.used_at = now
    user = db.session.get(User, found.user_id)
    _drop_chats((TelegramChat.user_id == user.id) | (TelegramChat.chat_id == chat_id))
    db.session.add(TelegramChat(user_id=user.id, chat_id=chat_id))
    audit.record(LINKED, user=user, target=f"telegram:{chat_id}")
    return Linking.LINKED, user


def unlink(user: User, farewell: str = "") -> bool:
    """Unlink the user's chat (from the profile, or `/stop` in it), telling the chat `farewell`; False if none."""
    chat = chat_of(user)
    if chat is None:
        return False
    if farewell:
        outbox.queue(chat.chat_id, farewell, REMOVE)
    _drop_chats(TelegramChat.id == chat.id)
    audit.record(UNLINKED, user=user, target=f"telegram:{chat.chat_id}")
    return True


def _drop_chats(condition) -> None:
    """Delete the chats matching `condition` and their half-done conversations."""
    chat_ids = db.session.scalars(select(TelegramChat.chat_id).where(condition)).all()
    if chat_ids:
        db.session.execute(delete(TelegramConversation).where(TelegramConversation.chat_id.in_(chat_ids)))
        db.session.execute(delete(TelegramChat).where(TelegramChat.chat_id.in_(chat_ids)))


def send(user: User, template: str, context: dict) -> bool:
    """Queue `telegram/<template>.txt`, in the user's language, to their chat in the caller's transaction: True, or
    False when the installation has no bot or the user no linked chat (the notifications' sender contract)."""
    chat = chat_of(user) if client.enabled() else None
    if chat is None:
        return False
    with speaking(language_of(user)):
        text = render(f"telegram/{template}.txt", **{**context, "user": user})
    outbox.queue(chat.chat_id, text.strip())
    return True


def sweep() -> int:
    """Delete link tokens past their life and messages delivered or given up over 30 days ago; how many went."""
    now = utcnow()
    tokens = db.session.execute(delete(TelegramLinkToken).where(TelegramLinkToken.expires_at < now)).rowcount
    old = now - timedelta(days=30)
    gone = delete(TelegramMessage).where((TelegramMessage.sent_at < old) | (TelegramMessage.failed_at < old))
    return tokens + db.session.execute(gone).rowcount
