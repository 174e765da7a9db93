"""The kinds of notifications, the users' choices of them, and notify(): the one way a notification goes out."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

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
PREFETCHED = "kabinet.notifications.prefetched"  # db.session.info's key for a batch's choices (prefetched())
# Channels that look each recipient up (the bot: a linked chat) read a whole batch's in one query instead: called with
# the batch's user ids when it begins, and with None when it ends.
BATCHES: dict[str, Callable[[list[int] | None], None]] = {}


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
    known = db.session.info.get(PREFETCHED)
    if known is not None and user.id in known.choices:
        enabled = known.choices[user.id].get((kind, channel))
    else:
        choice = db.session.get(NotificationChoice, (user.id, kind, channel))
        enabled = None if choice is None else choice.enabled
    return enabled if enabled is not None else getattr(KINDS[kind], channel)


@dataclass
class _Prefetched:
    """A batch's choices and the channels the ledger holds one event on, by user id."""

    event: tuple[str, str]
    choices: dict[int, dict[tuple[str, str], bool]]
    told: dict[int, set[str]]


@contextmanager
def prefetched(users: list[User], kind: str, event_key: str) -> Iterator[None]:
    """Within the block, wants() and notify() know these users' choices and what the ledger holds of this event
    from two queries for all of them, not two for each (a reminder's batch of tenants)."""
    ids = [user.id for user in users]
    known = _Prefetched((kind, event_key), {user_id: {} for user_id in ids}, {user_id: set() for user_id in ids})
    for choice in db.session.scalars(select(NotificationChoice).where(NotificationChoice.user_id.in_(ids))):
        known.choices[choice.user_id][choice.kind, choice.channel] = choice.enabled
    sent = select(NotificationSent.user_id, NotificationSent.channel).where(
        NotificationSent.user_id.in_(ids), NotificationSent.kind == kind, NotificationSent.event_key == event_key
    )
    for user_id, channel in db.session.execute(sent):
        known.told[user_id].add(channel)
    db.session.info[PREFETCHED] = known
    for begin in BATCHES.values():
        begin(ids)
    try:
        yield
    finally:
        db.session.info.pop(PREFETCHED, None)
        for end in BATCHES.values():
            end(None)


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
        # No savepoint around the two (on SQLite each would be a commit of its own): should another process tell
        # the same event meanwhile, the ledger's unique key fails this whole transaction, its messages with it.
        if send(user, template, {**context, "kind": kind}):
            db.session.add(NotificationSent(user_id=user.id, kind=kind, event_key=event_key, channel=channel))
            told.append(channel)
    return told


def notify_all(users: list[User], kind: str, event_key: str, template: str, **context) -> list[list[str]]:
    """notify() each of `users` of one event with one context (an announcement, a document), their choices, the
    ledger and their chats read by a few queries for all of them, not by some for each; the channels each was told
    on, in their order. A tenant comes once, so nothing a check needs waits unflushed."""
    with db.session.no_autoflush, prefetched(users, kind, event_key):
        return [notify(user, kind, event_key, template, **context) for user in users]


def _told(user: User, kind: str, event_key: str, channel: str) -> bool:
    """Whether the ledger holds this event for the user on this channel."""
    known = db.session.info.get(PREFETCHED)
    if known is not None and known.event == (kind, event_key) and user.id in known.told:
        return channel in known.told[user.id]
    sent = select(NotificationSent.id).where(
        NotificationSent.user_id == user.id,
        NotificationSent.kind == kind,
        NotificationSent.event_key == event_key,
        NotificationSent.channel == channel,
    )
    return db.session.scalar(sent) is not None
