"""The cabinet home: a card for each of the tenant's accounts, the announcements of their houses, the newest of their
documents and their binding requests, from two queries however many accounts there are.

The home is the page every tenant opens, each visit: it reads plain rows (named tuples), not ORM objects, and asks
for the tenant's accounts by the user's id in SQL (a select of their bindings) rather than by a list of ids, so that
its two statements are the same text on every visit (SQLAlchemy's cached compilation, SQLite's prepared statement).
Loading the same accounts as ORM objects with their houses and organizations cost as much as the rest of the page's
queries together (docs/BENCHMARKS.md, issue 11's fifth pass).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
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
from kabinet.clock import utcnow
from kabinet.documents.services import latest_statement
from kabinet.models import (
    Account,
    AccountBinding,
    Announcement,
    BindingRequest,
    Building,
    DispatchRequest,
    Meter,
    Organization,
    Reading,
)
from kabinet.models.account import premises_address
from kabinet.models.book import announcement_buildings
from kabinet.models.dispatch import OPEN_STATUSES
from kabinet.models.organization import OrganizationShown
from kabinet.statements import built_once, reading_connection

NEWEST_ANNOUNCEMENTS = 3
REJECTION_SHOWN_FOR_DAYS = 30  # a rejected binding request stays on the home this long, with the staff's reason


class AccountShown(NamedTuple):
    """A bound account as its card shows it."""

    id: int
    number: str
    premises: str
    house: str  # the building's address
    organization: OrganizationShown
    role: str  # the tenant's: owner | resident
    opening_balance: Decimal

    @property
    def organization_id(self) -> int:
        return self.organization.id

    @property
    def address(self) -> str:
        return premises_address(self.house, self.premises)


class RequestShown(NamedTuple):
    """A request to bind by address as the home shows it: waiting for the staff, or rejected with their reason."""

    id: int
    state: str  # pending | rejected
    house: str
    premises: str
    reason: str


class LastPayment(NamedTuple):
    """The newest payment of an account, as its card tells it."""

    paid_on: date
    amount: Decimal


@dataclass
class Card:
    """What the cabinet home tells about one account."""

    account: AccountShown
    balance: Decimal  # positive: a debt; negative: an overpayment
    last_payment: LastPayment | None
    charges: ledger.Charged | None  # the latest month with charges: its charges and, apart, its recalculation
    meters_due: int  # active meters without a reading this month
    open_requests: int


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
    """What the cabinet home shows."""

    cards: list[Card]  # in the order the accounts were bound
    announcements: list[News]  # newest first
    document: NewDocument | None
    requests: list[RequestShown]  # binding requests waiting, and those rejected lately; oldest first


def home(user_id: int, day: date) -> Home:
    """The tenant's cards, in the order they bound the accounts, with the announcements current on `day` for their
    houses (_announcements()'s rules), the newest document they may read, and their binding requests to show: two
    queries for any number of accounts, one without accounts."""
    accounts, requests = _premises(user_id)
    if not accounts:
        return Home([], [], None, requests)
    sums, payments, charges, news, document = [], {}, {}, [], None
    counts: dict[str, dict[int, int]] = {"meters": {}, "requests": {}}
    rows = reading_connection().execute(_figures(), {"user_id": user_id, "month": ledger.month_of(day), "day": day})
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
            account=account,
            balance=balances[account.id],
            last_payment=payments.get(account.id),
            charges=charges.get(account.id),
            meters_due=counts["meters"].get(account.id, 0),
            open_requests=counts["requests"].get(account.id, 0),
        )
        for account in accounts
    ]
    # A union keeps no order: the announcements are put newest first again, as their statement orders them.
    news.sort(key=lambda item: (item.published_on, item.id), reverse=True)
    return Home(cards, news, document, requests)


def _premises(user_id: int) -> tuple[list[AccountShown], list[RequestShown]]:
    """The user's bound accounts in the order bound, and their binding requests to show, oldest first (one query)."""
    since = utcnow() - timedelta(days=REJECTION_SHOWN_FOR_DAYS)
    accounts, requests = [], []
    rows = reading_connection().execute(_premises_statement(), {"user_id": user_id, "since": since})
    for kind, id_, number, premises, house, organization, name, country, role, balance, reason, _, _ in rows:
        if kind == "account":
            shown = OrganizationShown(organization, name, country)
            accounts.append(AccountShown(id_, number, premises, house, shown, role, ledger.money(balance)))
        else:
            requests.append(RequestShown(id_, kind, house, premises, reason))
    return accounts, requests


@built_once
def _premises_statement():
    # The accounts bound to the user (bound as "user_id") with their house and organization, and the user's binding
    # requests still waiting or rejected since "since", in one statement built once; each part ordered by when it was
    # made (a binding's id breaks ties: two accounts bound by one code word share the moment).
    accounts = (
        select(
            literal_column("'account'").label("kind"),
            Account.id,
            Account.number,
            Account.premises,
            Building.address,
            Organization.id.label("organization_id"),
            Organization.name,
            Organization.country,
            AccountBinding.role,
            Account.opening_balance,
            cast(null(), String).label("reason"),
            AccountBinding.created_at.label("made_at"),
            AccountBinding.id.label("place"),
        )
        .join(Account, Account.id == AccountBinding.account_id)
        .join(Building, Building.id == Account.building_id)
        .join(Organization, Organization.id == Account.organization_id)
        .where(AccountBinding.user_id == bindparam("user_id"))
    )
    no_text, no_number = cast(null(), String), cast(null(), Integer)
    requests = (
        select(BindingRequest.state, BindingRequest.id, no_text, BindingRequest.premises, Building.address, no_number,
               no_text, no_text, no_text, cast(null(), Numeric), BindingRequest.reason, BindingRequest.created_at,
               BindingRequest.id)  # fmt: skip
        .join(Building, Building.id == BindingRequest.building_id)
        .where(
            BindingRequest.user_id == bindparam("user_id"),
            (BindingRequest.state == "pending")
            | ((BindingRequest.state == "rejected") & (BindingRequest.decided_at >= bindparam("since"))),
        )
    )
    return union_all(accounts, requests).order_by(literal_column("made_at"), literal_column("place"))


def by_organization(cards: list[Card]) -> list[tuple[OrganizationShown, list[Card]]]:
    """The cards grouped by their account's organization, in the order the tenant bound them (a flat in one КСК and
    a garage in another are two groups)."""
    groups: dict[int, tuple[OrganizationShown, list[Card]]] = {}
    for card in cards:
        organization = card.account.organization
        groups.setdefault(organization.id, (organization, []))[1].append(card)
    return list(groups.values())


def _bound():
    # The accounts bound to the user, the houses they are in and their organizations: what the home's statements
    # take where a list of ids would be (the parameter "user_id").
    accounts = select(AccountBinding.account_id).where(AccountBinding.user_id == bindparam("user_id"))
    buildings = select(Account.building_id).where(Account.id.in_(accounts))
    organizations = select(Account.organization_id).where(Account.id.in_(accounts))
    return accounts, buildings, organizations


@built_once
def _figures():
    # Every figure of the cards, the announcements and the newest document in one statement, built once: each kind of
    # row in the same eight columns (kind, an account's or the row's own id, a day, two amounts, a number, a title, a
    # text). The charges go first: a union's values are read by its first select's types (SQLite gives dates as text
    # otherwise). A new figure on the cards, or anything else the home shows for the accounts, adds its select here.
    accounts, buildings, organizations = _bound()
    latest = ledger.latest_charges_statement(accounts).subquery()
    paid = ledger.last_payments_statement(accounts).subquery().c
    summed = ledger.charged_and_paid_statement(accounts).subquery()
    due = _due_and_open(accounts).subquery()
    news = _announcements(buildings).subquery().c
    document = latest_statement(organizations, buildings).subquery().c
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


def _due_and_open(accounts):
    # Active meters without a reading since the month's first day, and dispatch requests new or in progress.
    read = exists().where(Reading.meter_id == Meter.id, Reading.taken_on >= bindparam("month"))
    meters = (
        select(Meter.account_id, func.count(Meter.id), literal_column("'meters'").label("kind"))
        .where(Meter.account_id.in_(accounts), Meter.is_active, ~read)
        .group_by(Meter.account_id)
    )
    requests = (
        select(DispatchRequest.account_id, func.count(DispatchRequest.id), literal_column("'requests'").label("kind"))
        # Each open status compared on its own: in_() of a list is rendered anew at every execution (an expanding
        # parameter), the one thing that kept the home's statement from being the same text each time.
        .where(DispatchRequest.account_id.in_(accounts), or_(*(DispatchRequest.status == s for s in OPEN_STATUSES)))
        .group_by(DispatchRequest.account_id)
    )
    return meters.union_all(requests)


def _announcements(buildings):
    # The newest announcements current on "day" for any of these buildings, newest first. An announcement without
    # buildings is for the whole organization; one with buildings only for those. The home shows them once, however
    # many of the tenant's accounts are in the same house or organization.
    addressed = exists().where(announcement_buildings.c.announcement_id == Announcement.id)
    to_building = exists().where(
        announcement_buildings.c.announcement_id == Announcement.id,
        announcement_buildings.c.building_id == Building.id,
    )
    relevant = (
        select(Announcement.id)
        .join(Building, Building.organization_id == Announcement.organization_id)
        .where(Building.id.in_(buildings), or_(~addressed, to_building))
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
