"""The cabinet home: a card for each of the tenant's accounts, the announcements of their houses and the newest of
their documents, all from one query however many accounts there are."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from sqlalchemy import (
    Date,
    Integer,
    Numeric,
    String,
    bindparam,
    cast,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)

from kabinet.balance import ledger
from kabinet.documents.services import latest_statement
from kabinet.extensions import db
from kabinet.models import AccountBinding, Announcement, Building, DispatchRequest, Meter, Organization, Reading
from kabinet.models.book import announcement_buildings
from kabinet.models.dispatch import OPEN_STATUSES

NEWEST_ANNOUNCEMENTS = 3


class LastPayment(NamedTuple):
    """The newest payment of an account, as its card tells it."""

    paid_on: date
    amount: Decimal


@dataclass
class Card:
    """What the cabinet home tells about one account."""

    binding: AccountBinding
    balance: Decimal  # positive: a debt; negative: an overpayment
    last_payment: LastPayment | None
    charges: ledger.Charged | None  # the latest month with charges: its charges and, apart, its recalculation
    meters_due: int  # active meters without a reading this month
    open_requests: int

    @property
    def account(self):
        return self.binding.account


class News(NamedTuple):
    """An announcement as the home shows it."""

    id: int
    published_on: date
    title: str
    body: str


class NewDocument(NamedTuple):
    """The tenant's newest document as the home shows it (a link to it, its kind and its date)."""

    id: int
    issued_on: date
    title: str
    kind: str


class Home(NamedTuple):
    """What the cabinet home shows of the tenant's accounts."""

    cards: list[Card]
    announcements: list[News]  # newest first
    document: NewDocument | None


def home(bindings: list[AccountBinding], day: date) -> Home:
    """A card per bound account in the order of `bindings`, the announcements current on `day` for their houses
    (announcements()'s rules) and the newest document they may read, from one query for any number of accounts; no
    query without accounts."""
    if not bindings:
        return Home([], [], None)
    accounts = [binding.account for binding in bindings]
    buildings = sorted({account.building_id for account in accounts})
    sums, payments, charges, news, document = [], {}, {}, [], None
    counts: dict[str, dict[int, int]] = {"meters": {}, "requests": {}}
    rows = db.session.execute(
        _figures(),
        {
            "ids": [account.id for account in accounts],
            "month": ledger.month_of(day),
            "day": day,
            "buildings": buildings,
            "organizations": sorted({account.organization_id for account in accounts}),
        },
    )
    for kind, id_, day_, amount, other, number, title, text in rows:
        if kind == "sum":
            sums.append((id_, amount, number))
        elif kind == "payment":
            payments[id_] = LastPayment(day_, ledger.money(amount))
        elif kind == "charges":
            charges[id_] = ledger.Charged(day_, ledger.money(amount), ledger.money(other))
        elif kind == "news":
            news.append(News(id_, day_, title, text))
        elif kind == "document":
            document = NewDocument(id_, day_, title, text)
        else:
            counts[kind][id_] = number
    balances = ledger.owed(accounts, sums)
    cards = [
        Card(
            binding=binding,
            balance=balances[binding.account_id],
            last_payment=payments.get(binding.account_id),
            charges=charges.get(binding.account_id),
            meters_due=counts["meters"].get(binding.account_id, 0),
            open_requests=counts["requests"].get(binding.account_id, 0),
        )
        for binding in bindings
    ]
    # A union keeps no order: the announcements are put newest first again, as their statement orders them.
    news.sort(key=lambda item: (item.published_on, item.id), reverse=True)
    return Home(cards, news, document)


def cards(bindings: list[AccountBinding], day: date) -> list[Card]:
    """A card per bound account, in the order of `bindings` (home()'s cards)."""
    return home(bindings, day).cards


def by_organization(cards: list[Card]) -> list[tuple[Organization, list[Card]]]:
    """The cards grouped by their account's organization, in the order the tenant bound them (a flat in one КСК and
    a garage in another are two groups)."""
    groups: dict[int, tuple[Organization, list[Card]]] = {}
    for card in cards:
        organization = card.account.organization
        groups.setdefault(organization.id, (organization, []))[1].append(card)
    return list(groups.values())


@cache
def _figures():
    # Every figure of the cards, the announcements and the newest document in one statement, built once: each kind of
    # row in the same eight columns (kind, an account's or the row's own id, a day, two amounts, a number, a title, a
    # text). The charges go first: a union's values are read by its first select's types (SQLite gives dates as text
    # otherwise). A new figure on the cards, or anything else the home shows for the accounts, adds its select here.
    latest = ledger.latest_charges_statement().subquery()
    paid = ledger.last_payments_statement().subquery().c
    summed = ledger.charged_and_paid_statement().subquery()
    due = _due_and_open().subquery()
    news = _announcements().subquery().c
    document = latest_statement().subquery().c
    no_day, no_amount, no_number = cast(null(), Date), cast(null(), Numeric), cast(null(), Integer)
    no_text = cast(null(), String)
    return union_all(
        select(literal_column("'charges'"), latest.c[0], latest.c[1], latest.c[2], latest.c[3], no_number, no_text,
               no_text),  # fmt: skip
        select(literal_column("'payment'"), paid.account_id, paid.paid_on, paid.amount, no_amount, no_number, no_text,
               no_text),  # fmt: skip
        select(literal_column("'sum'"), summed.c[0], no_day, summed.c[1], no_amount, summed.c[2], no_text, no_text),
        select(due.c[2], due.c[0], no_day, no_amount, no_amount, due.c[1], no_text, no_text),
        select(literal_column("'news'"), news.id, news.published_on, no_amount, no_amount, no_number, news.title,
               news.body),  # fmt: skip
        select(literal_column("'document'"), document.id, document.issued_on, no_amount, no_amount, no_number,
               document.title, document.kind),  # fmt: skip
    )


def _due_and_open():
    # Active meters without a reading since the month's first day, and dispatch requests new or in progress.
    ids = bindparam("ids", expanding=True)
    read = exists().where(Reading.meter_id == Meter.id, Reading.taken_on >= bindparam("month"))
    meters = (
        select(Meter.account_id, func.count(Meter.id), literal_column("'meters'").label("kind"))
        .where(Meter.account_id.in_(ids), Meter.is_active, ~read)
        .group_by(Meter.account_id)
    )
    requests = (
        select(DispatchRequest.account_id, func.count(DispatchRequest.id), literal_column("'requests'").label("kind"))
        .where(DispatchRequest.account_id.in_(ids), DispatchRequest.status.in_(OPEN_STATUSES))
        .group_by(DispatchRequest.account_id)
    )
    return meters.union_all(requests)


@cache
def _announcements():
    addressed = exists().where(announcement_buildings.c.announcement_id == Announcement.id)
    to_building = exists().where(
        announcement_buildings.c.announcement_id == Announcement.id,
        announcement_buildings.c.building_id == Building.id,
    )
    relevant = (
        select(Announcement.id)
        .join(Building, Building.organization_id == Announcement.organization_id)
        .where(Building.id.in_(bindparam("buildings", expanding=True)), or_(~addressed, to_building))
    )
    day = bindparam("day")
    return (
        select(Announcement)
        .where(
            Announcement.id.in_(relevant),
            Announcement.published_on <= day,
            or_(Announcement.until.is_(None), Announcement.until >= day),
        )
        .order_by(Announcement.published_on.desc(), Announcement.id.desc())
        .limit(NEWEST_ANNOUNCEMENTS)
    )


def announcements(building_ids: set[int], day: date) -> list[Announcement]:
    """The newest announcements current on `day` for any of these buildings, newest first: one query for all.

    An announcement without buildings is for the whole organization; one with buildings only for those. The home
    shows them once, however many of the tenant's accounts are in the same house or organization.
    """
    if not building_ids:
        return []
    return list(db.session.scalars(_announcements(), {"buildings": sorted(building_ids), "day": day}))
