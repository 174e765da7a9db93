"""The Telegram bot's rows: linked chats, link tokens, the outgoing queue, conversations and the polling offset."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models.outbox import Delivery


class TelegramChat(db.Model):
    """A chat linked to a user: one chat per user, one user per chat."""

    __tablename__ = "telegram_chats"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")


class TelegramLinkToken(db.Model):
    """A single-use token of a deep link (`/start <token>`), kept only as its digest."""

    __tablename__ = "telegram_link_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class TelegramMessage(Delivery, db.Model):
    """A message to a chat, written in the caller's transaction and delivered by the worker like the outbox."""

    __tablename__ = "telegram_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    text: Mapped[str] = mapped_column(Text)
    reply_markup: Mapped[str] = mapped_column(Text, default="")  # JSON, as the Bot API takes it


class TelegramConversation(db.Model):
    """Where a chat stands in «Передать показания»: any app server answers its next message from this row."""

    __tablename__ = "telegram_conversations"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    step: Mapped[str] = mapped_column(String(16), default="")  # "account", "value", "confirm"; "" when idle
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    draft: Mapped[str] = mapped_column(Text, default="{}")  # JSON: the meters left, the values given, the one asked
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TelegramPolling(db.Model):
    """The next update to ask getUpdates for, so that a restarted or another worker neither loses nor repeats one."""

    __tablename__ = "telegram_polling"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_update_id: Mapped[int] = mapped_column(BigInteger, default=0)  # getUpdates' offset
