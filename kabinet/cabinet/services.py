"""The cabinet home: a card for each of the tenant's accounts and the announcements of their houses, in a fixed
number of queries however many accounts there are."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from sqlalchemy import bindparam, exists, func, literal_column, or_, select

from kabinet.balance import ledger
from kabinet.extensions import db
from kabinet.models import (
    AccountBinding,
    Announcement,
    Building,
    DispatchRequest,
    Meter,
    Organization,
    Payment,
    Reading,
)
from kabinet.models.book import announcement_buildings
from kabinet.models.dispatch import OPEN_STATUSES

NEWEST_ANNOUNCEMENTS = 3


@dataclass
class Card:
    """What the cabinet home tells about one account."""

    binding: AccountBinding
    balance: Decimal  # positive: a debt; negative: an overpayment
    last_payment: Payment | None
    charges: ledger.Charged | None  # the latest month with charges: its charges and, apart, its recalculation
    meters_due: int  # active meters without a reading this month
    open_requests: int

    @property
    def account(self):
        return self.binding.account


def cards(bindings: list[AccountBinding], day: date) -> list[Card]:
    """A card per bound account, in the order of `bindings`, in the same few queries for any number of accounts."""
    if not bindings:
        return []
    accounts = [binding.account for binding in bindings]
    ids = [account.id for account in accounts]
    balances = ledger.balances(accounts)
    payments = ledger.last_payments(ids)
    charges = ledger.latest_charges(ids)
    meters, requests = due_and_open(ids, ledger.month_of(day))
    return [
        Card(
            binding=binding,
            balance=balances[binding.account_id],
            last_payment=payments.get(binding.account_id),
            charges=charges.get(binding.account_id),
            meters_due=meters.get(binding.account_id, 0),
            open_requests=requests.get(binding.account_id, 0),
        )
        for binding in bindings
    ]


def by_organization(cards: list[Card]) -> list[tuple[Organization, list[Card]]]:
    """The cards grouped by their account's organization, in the order the tenant bound them (a flat in one КСК and
    a garage in another are two groups)."""
    groups: dict[int, tuple[Organization, list[Card]]] = {}
    for card in cards:
        organization = card.account.organization
        groups.setdefault(organization.id, (organization, []))[1].append(card)
    return list(groups.values())


@cache
def _due_and_open():
    # Built once: every request of the home runs it, and building a statement costs more than running it.
    ids = bindparam("ids", expanding=True)
    read = exists().where(Reading.meter_id == Meter.id, Reading.taken_on >= bindparam("month"))
    meters = (
        select(Meter.account_id, func.count(Meter.id), literal_column("'meters'"))
        .where(Meter.account_id.in_(ids), Meter.is_active, ~read)
        .group_by(Meter.account_id)
    )
    requests = (
        select(DispatchRequest.account_id, func.count(DispatchRequest.id), literal_column("'requests'"))
        .where(DispatchRequest.account_id.in_(ids), DispatchRequest.status.in_(OPEN_STATUSES))
        .group_by(DispatchRequest.account_id)
    )
    return meters.union_all(requests)


def due_and_open(account_ids: list[int], month: date) -> tuple[dict[int, int], dict[int, int]]:
    """By account: how many active meters have no reading since the month's first day, and how many dispatch requests
    are new or in progress (one query for both)."""
    found: dict[str, dict[int, int]] = {"meters": {}, "requests": {}}
    for account_id, count, kind in db.session.execute(_due_and_open(), {"ids": account_ids, "month": month}):
        found[kind][account_id] = count
    return found["meters"], found["requests"]


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
