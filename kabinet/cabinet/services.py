"""The cabinet home's card for each of the tenant's accounts, in a fixed number of queries however many there are."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, exists, func, or_, select

from kabinet.balance import ledger
from kabinet.extensions import db
from kabinet.models import AccountBinding, Announcement, Building, DispatchRequest, Meter, Payment, Reading
from kabinet.models.book import announcement_buildings
from kabinet.models.dispatch import OPEN_STATUSES

NEWEST_ANNOUNCEMENTS = 3


@dataclass
class Card:
    """What the cabinet home tells about one account."""

    binding: AccountBinding
    balance: Decimal  # positive: a debt; negative: an overpayment
    last_payment: Payment | None
    charges: tuple[date, Decimal] | None  # the latest month with charges and its total
    meters_due: int  # active meters without a reading this month
    open_requests: int
    announcements: list[Announcement]

    @property
    def account(self):
        return self.binding.account


def cards(bindings: list[AccountBinding], day: date) -> list[Card]:
    """A card per bound account, in the order of `bindings`: eight queries for any number of accounts."""
    if not bindings:
        return []
    accounts = [binding.account for binding in bindings]
    ids = [account.id for account in accounts]
    balances = ledger.balances(accounts)
    payments = ledger.last_payments(ids)
    charges = ledger.latest_charges(ids)
    meters = meters_without_reading(ids, ledger.month_of(day))
    requests = open_requests(ids)
    news = announcements({account.building_id for account in accounts}, day)
    return [
        Card(
            binding=binding,
            balance=balances[binding.account_id],
            last_payment=payments.get(binding.account_id),
            charges=charges.get(binding.account_id),
            meters_due=meters.get(binding.account_id, 0),
            open_requests=requests.get(binding.account_id, 0),
            announcements=news.get(binding.account.building_id, []),
        )
        for binding in bindings
    ]


def meters_without_reading(account_ids: list[int], month: date) -> dict[int, int]:
    """How many active meters of each account have no reading taken since the month's first day (one query)."""
    read = exists().where(Reading.meter_id == Meter.id, Reading.taken_on >= month)
    rows = db.session.execute(
        select(Meter.account_id, func.count(Meter.id))
        .where(Meter.account_id.in_(account_ids), Meter.is_active, ~read)
        .group_by(Meter.account_id)
    ).all()
    return dict(rows)


def open_requests(account_ids: list[int]) -> dict[int, int]:
    """How many dispatch requests of each account are new or in progress (one query)."""
    rows = db.session.execute(
        select(DispatchRequest.account_id, func.count(DispatchRequest.id))
        .where(DispatchRequest.account_id.in_(account_ids), DispatchRequest.status.in_(OPEN_STATUSES))
        .group_by(DispatchRequest.account_id)
    ).all()
    return dict(rows)


def announcements(building_ids: set[int], day: date) -> dict[int, list[Announcement]]:
    """The newest announcements current on `day` for each building, by building id: one query for all of them.

    An announcement without buildings is for the whole organization; one with buildings only for those.
    """
    addressed = exists().where(announcement_buildings.c.announcement_id == Announcement.id)
    to_building = exists().where(
        announcement_buildings.c.announcement_id == Announcement.id,
        announcement_buildings.c.building_id == Building.id,
    )
    ranked = (
        select(
            Announcement.id,
            Building.id.label("building_id"),
            func.row_number()
            .over(partition_by=Building.id, order_by=(Announcement.published_on.desc(), Announcement.id.desc()))
            .label("place"),
        )
        .join(Building, Building.organization_id == Announcement.organization_id)
        .where(
            Building.id.in_(building_ids),
            Announcement.published_on <= day,
            or_(Announcement.until.is_(None), Announcement.until >= day),
            or_(~addressed, to_building),
        )
        .subquery()
    )
    rows = db.session.execute(
        select(Announcement, ranked.c.building_id)
        .join(ranked, and_(ranked.c.id == Announcement.id, ranked.c.place <= NEWEST_ANNOUNCEMENTS))
        .order_by(ranked.c.building_id, ranked.c.place)
    ).all()
    by_building: dict[int, list[Announcement]] = {}
    for announcement, building_id in rows:
        by_building.setdefault(building_id, []).append(announcement)
    return by_building
