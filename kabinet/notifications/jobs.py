"""The worker's reminders (kabinet/worker/jobs.py runs them hourly): each organization's, on its own calendar.

Each job finds the tenants an event concerns, a batch at a time (keyset pages of ids: memory stays flat however many
accounts there are), skips those the ledger says were told, and notify()s the rest; every batch is committed, so a
job cut short goes on where it stopped, and a job run twice tells nobody twice.
"""

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import exists, func, select

from kabinet.balance.ledger import balances, month_of
from kabinet.clock import local_today
from kabinet.extensions import db
from kabinet.models import Account, AccountBinding, Charge, Meter, NotificationSent, Organization, Reading, User
from kabinet.notifications.organization import notices_of, sends
from kabinet.notifications.services import notify, prefetched
from kabinet.readings.services import is_open, window
from kabinet.urls import ID_MAX, external_url

BATCH = 500
CLOSING_NOTICE = timedelta(days=2)  # "closes in two days": from two days before the window's last day


def period(organization: Organization, today: date) -> tuple[date, date] | None:
    """The first and last day of the readings window open today; None while it is closed."""
    if not is_open(organization, today):
        return None
    opened = today
    while opened.day != window(organization, opened)[0] and is_open(organization, opened - timedelta(days=1)):
        opened -= timedelta(days=1)
    closes = today
    while closes.day != window(organization, closes)[1] and is_open(organization, closes + timedelta(days=1)):
        closes += timedelta(days=1)
    return opened, closes


def _batches(organization: Organization, kind: str, event_key: str, *conditions) -> Iterator[list[User]]:
    """The organization's tenants meeting `conditions` whom the ledger has not yet seen told of this event, a range
    of BATCH user ids at a time, in order of id; each batch is committed by the caller before the next is read.

    Each query is bounded to its range of ids, the subquery of bound accounts too: unbounded, PostgreSQL would
    evaluate it over every account for every batch, and 100,000 accounts would take minutes instead of seconds."""
    told = exists().where(
        NotificationSent.user_id == User.id, NotificationSent.kind == kind, NotificationSent.event_key == event_key
    )
    bound = select(AccountBinding.user_id).join(Account, Account.id == AccountBinding.account_id)
    bound = bound.where(Account.organization_id == organization.id, Account.is_closed.is_(False), *conditions)
    after = 0
    while True:
        upper = db.session.scalar(select(User.id).where(User.id > after).order_by(User.id).offset(BATCH - 1).limit(1))
        ids = (after, upper) if upper is not None else (after, ID_MAX)
        in_range = bound.where(AccountBinding.user_id > ids[0], AccountBinding.user_id <= ids[1])
        page = select(User).where(User.id > ids[0], User.id <= ids[1], User.id.in_(in_range)).order_by(User.id)
        users = list(db.session.scalars(page.where(User.confirmed_at.is_not(None), User.blocked_at.is_(None), ~told)))
        if users:
            yield users
        if upper is None:
            return
        after = upper


def _tell(organization, kind, event_key, template, conditions=(), context_of: Callable | None = None, **context):
    """notify() each tenant of a batch, committing batch by batch; how many were told on any channel.
    `context_of(users)` gives each user's own part of the message (None: that user is left out this time)."""
    told = 0
    key = f"{organization.id}:{event_key}"  # a tenant of two organizations hears from each
    for users in _batches(organization, kind, key, *conditions):
        own = context_of(users) if context_of else {}
        # The batch's messages and ledger rows are written together at the commit (no flush before each user's
        # queries): a tenant comes once in a batch, so nothing a check needs is left unflushed.
        with db.session.no_autoflush, prefetched(users, kind, key):
            for user in users:
                if context_of and own.get(user.id) is None:
                    continue
                if notify(user, kind, key, template, organization=organization, **context, **own.get(user.id, {})):
                    told += 1
        db.session.commit()
    return told


def _unread_since(first: date):
    """The condition on a binding: its account has an active meter without a reading since `first`."""
    read = exists().where(Reading.meter_id == Meter.id, Reading.taken_on >= first)
    return exists().where(Meter.account_id == AccountBinding.account_id, Meter.is_active.is_(True), ~read)


def _organizations() -> list[Organization]:
    return list(db.session.scalars(select(Organization).order_by(Organization.id)))


def _window_reminder(kind: str, due: Callable[[date, date, date], bool], today_of: Callable[[str], date]) -> int:
    """Tell the tenants of each organization sending `kind` who have a meter not yet read this month, on the days
    `due(today, opened, closes)` of its open window. How many were told."""
    told = 0
    for organization in _organizations():
        today = today_of(organization.timezone)
        days = period(organization, today)
        if days is None or not sends(notices_of(organization), kind):
            continue
        opened, closes = days
        if due(today, opened, closes):
            told += _tell(
                organization, kind, f"{opened:%Y-%m}", f"notifications/{kind}",
                conditions=[_unread_since(month_of(opened))], closes_on=closes, link=external_url("readings.index"),
            )  # fmt: skip
    return told


def readings_open(today_of: Callable[[str], date] = local_today) -> int:
    """The window opened: tell the tenants with a meter not yet read this month (from its first day until the
    closing reminder's time — late in the window the closing reminder says it —; on its first day in any case). How
    many were told."""
    return _window_reminder(
        "readings_open", lambda today, opened, closes: today == opened or today < closes - CLOSING_NOTICE, today_of
    )


def readings_closing(today_of: Callable[[str], date] = local_today) -> int:
    """The window closes in two days: tell the tenants still missing a reading (not on the window's first day, which
    the opening told). How many were told."""
    return _window_reminder(
        "readings_closing", lambda today, opened, closes: today != opened and today >= closes - CLOSING_NOTICE, today_of
    )


def receipt_ready(today_of: Callable[[str], date] = local_today) -> int:
    """The month's charges are loaded: tell the tenants of each account charged for the organization's latest month
    (this one or the one before: an old month loaded late is not news). How many were told."""
    told = 0
    for organization in _organizations():
        if not sends(notices_of(organization), "receipt_ready"):
            continue
        accounts = select(Account.id).where(Account.organization_id == organization.id)
        latest = db.session.scalar(select(func.max(Charge.month)).where(Charge.account_id.in_(accounts)))
        this_month = month_of(today_of(organization.timezone))
        if latest is None or latest < month_of(this_month - timedelta(days=1)):
            continue
        charged = exists().where(Charge.account_id == AccountBinding.account_id, Charge.month == latest)
        told += _tell(
            organization, "receipt_ready", f"{latest:%Y-%m}", "notifications/receipt_ready",
            conditions=[charged], month=latest, link=external_url("receipts.index"),
        )  # fmt: skip
    return told


def debts_of(organization: Organization, minimum: Decimal) -> Callable[[list[User]], dict]:
    """For a batch of tenants: each one's accounts in the organization owing at least `minimum` (and something),
    with the amounts; a tenant owing nothing is left out."""

    def owed(users: list[User]) -> dict[int, dict | None]:
        pairs = db.session.execute(
            select(AccountBinding.user_id, Account)
            .join(Account, Account.id == AccountBinding.account_id)
            .where(AccountBinding.user_id.in_([user.id for user in users]))
            .where(Account.organization_id == organization.id, Account.is_closed.is_(False))
            .order_by(Account.number)
        ).all()
        amounts = balances([account for _, account in pairs])
        debts: dict[int, list] = {}
        for user_id, account in pairs:
            if amounts[account.id] >= max(minimum, Decimal("0.01")):
                debts.setdefault(user_id, []).append((account, amounts[account.id]))
        return {user.id: {"debts": debts[user.id]} if user.id in debts else None for user in users}

    return owed


def debt(today_of: Callable[[str], date] = local_today) -> int:
    """On the organization's day (the month's last, if shorter) and after it until the month ends: tell each tenant
    owing at least the organization's minimum what they owe. How many were told."""
    told = 0
    for organization in _organizations():
        notices = notices_of(organization)
        today = today_of(organization.timezone)
        last_day = (month_of(today) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        if not sends(notices, "debt") or today.day < min(notices.debt_day, last_day.day):
            continue
        told += _tell(
            organization, "debt", f"{today:%Y-%m}", "notifications/debt",
            context_of=debts_of(organization, notices.debt_minimum), currency=organization.currency,
            link=external_url("balance.index"),
        )  # fmt: skip
    return told
