"""The kinds of notifications, the users' choices of them, and notify(): the one way a notification goes out."""

from collections.abc import Callable
from typing import NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from kabinet.extensions import db
from kabinet.models import NotificationChoice, NotificationSent, User

CHANNELS = ("email", "telegram")
CHANNEL_LABELS = {"email": _l("E-mail"), "telegram": _l("Telegram")}


class Kind(NamedTuple):
    """A kind of notification: its label in the profile and whether each channel carries it when the user has not
    chosen."""

    label: str
    email: bool = True
    telegram: bool = True
    scheduled: bool = False  # a reminder the worker sends on the organization's days (which the staff switch off)


# Everything is on by default, the debt reminder too: the organization decides whether and from what sum it is
# sent, a tenant who did not ask for it turns it off with one click, and the payment date is one of the two a month
# turns on. Telegram is on for every kind because linking the bot is itself the tenant's request to hear from it.
KINDS = {
    "readings_open": Kind(_l("Открыт приём показаний счётчиков"), scheduled=True),
    "readings_closing": Kind(_l("Приём показаний закрывается через два дня"), scheduled=True),
    "receipt_ready": Kind(_l("Квитанция за месяц готова"), scheduled=True),
    "debt": Kind(_l("Напоминание о задолженности"), scheduled=True),
    "request": Kind(_l("Статус заявки и комментарии диспетчера")),
    "book_answer": Kind(_l("Ответ в книге жалоб и предложений")),
    "announcement": Kind(_l("Объявления")),
    "document": Kind(_l("Новые документы")),
}

# channel -> send(user, template, context) -> bool: True when queued on that channel, False when the user cannot be
# reached there (no confirmed e-mail, no linked chat). "email" is registered by kabinet.notifications.email; the
# Telegram bot registers "telegram".
SENDERS: dict[str, Callable[[User, str, dict], bool]] = {}


def shown_channels() -> tuple[str, ...]:
    """The channels a user may choose: Telegram only where the bot is configured (TELEGRAM_BOT_TOKEN)."""
    bot = current_app.config.get("TELEGRAM_BOT_TOKEN")
    return tuple(channel for channel in CHANNELS if channel != "telegram" or bot)


def choices(user: User) -> dict[tuple[str, str], bool]:
    """What the user wants of each (kind, channel): their own choice, else the kind's default."""
    made = {
        (choice.kind, choice.channel): choice.enabled
        for choice in db.session.scalars(select(NotificationChoice).where(NotificationChoice.user_id == user.id))
    }
    return {
        (kind, channel): made.get((kind, channel), getattr(KINDS[kind], channel))
        for kind in KINDS
        for channel in CHANNELS
    }


def wants(user: User, kind: str, channel: str) -> bool:
    """Whether the user wants this kind on this channel: their own choice, else the kind's default."""
    choice = db.session.get(NotificationChoice, (user.id, kind, channel))
    return choice.enabled if choice is not None else getattr(KINDS[kind], channel)


def choose(user: User, wanted: dict[tuple[str, str], bool]) -> bool:
    """Store the user's choices (only the pairs given: the rest stay as they are); a choice equal to the default
    needs no row. True when anything changed."""
    before = choices(user)
    changed = {pair: on for pair, on in wanted.items() if pair in before and before[pair] != on}
    for (kind, channel), on in changed.items():
        mine = (NotificationChoice.user_id == user.id, NotificationChoice.kind == kind)
        db.session.execute(delete(NotificationChoice).where(*mine, NotificationChoice.channel == channel))
        if on != getattr(KINDS[kind], channel):
            db.session.add(NotificationChoice(user_id=user.id, kind=kind, channel=channel, enabled=on))
    db.session.flush()
    return bool(changed)


def notify(user: User, kind: str, event_key: str, template: str, **context) -> list[str]:
    """Tell the user of an event on each channel they want and have, once: the channels it went to now.

    Inside the caller's transaction: the ledger row and the queued message commit or roll back together, and a
    second call for the same (user, kind, event_key) finds the row and sends nothing on that channel."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    told = []
    for channel in CHANNELS:
        send = SENDERS.get(channel)
        if send is None or not wants(user, kind, channel) or _told(user, kind, event_key, channel):
            continue
        try:
            with db.session.begin_nested():
                db.session.add(NotificationSent(user_id=user.id, kind=kind, event_key=event_key, channel=channel))
                if not send(user, template, {**context, "kind": kind}):
                    raise _Unreachable
        except (_Unreachable, IntegrityError):
            continue  # unreachable there (nothing recorded), or another worker told this event meanwhile
        told.append(channel)
    return told


class _Unreachable(Exception):
    """The channel's sender could not reach the user: the ledger row is taken back with the savepoint."""


def _told(user: User, kind: str, event_key: str, channel: str) -> bool:
    return (
        db.session.scalar(
            select(NotificationSent.id).where(
                NotificationSent.user_id == user.id,
                NotificationSent.kind == kind,
                NotificationSent.event_key == event_key,
                NotificationSent.channel == channel,
            )
        )
        is not None
    )
