"""The dashboard's numbers for one organization, each a single SQL aggregate whatever the data's size; and the
geometry of its small bar charts, kept here so the numbers are tested without a request."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, select

from kabinet.dispatch.deadlines import deadlines_of
from kabinet.dispatch.services import CATEGORY_LABELS
from kabinet.extensions import db
from kabinet.models import Account, AccountBinding, DispatchRequest, Meter, Organization, Reading, User
from kabinet.models.dispatch import OPEN_STATUSES
from kabinet.staff.accounts.debtors import total_debt
from kabinet.staff.tenants.services import in_organization

# How long open requests have waited, in the dashboard's three groups: (key, label, up to this age).
AGES = (
    ("day", _l("до 1 дня"), timedelta(days=1)),
    ("days", _l("1–3 дня"), timedelta(days=3)),
    ("older", _l("больше 3 дней"), None),
)


@dataclass(frozen=True)
class Share:
    """So many of so many: the accounts bound, the meters with a reading."""

    count: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.count / self.total) if self.total else 0


@dataclass(frozen=True)
class Overview:
    """What the dashboard shows."""

    tenants: int
    confirmed: int
    bound: Share  # open accounts with at least one tenant, of the open accounts
    readings: Share  # active meters with a tenant's reading this month, of the active meters
    by_category: dict[str, int]  # open requests by category, the categories in their usual order
    by_age: dict[str, int]  # open requests by AGES key
    overdue: int
    debt: Decimal  # what the accounts that owe owe, overpayments not deducted


def overview(organization: Organization, now: datetime, today: date, overdue_hours: int) -> Overview:
    """The organization's numbers now: five queries."""
    tenants, confirmed = db.session.execute(
        select(func.count(User.id), func.count(User.confirmed_at)).where(in_organization(organization))
    ).one()
    by_category, by_age, overdue = _open_requests(organization, now, overdue_hours)
    return Overview(
        tenants=tenants,
        confirmed=confirmed,
        bound=_bound(organization),
        readings=_readings(organization, today.replace(day=1)),
        by_category=by_category,
        by_age=by_age,
        overdue=overdue,
        debt=total_debt(organization),
    )


def _bound(organization: Organization) -> Share:
    bound = exists().where(AccountBinding.account_id == Account.id)
    count, total = db.session.execute(
        select(func.count(case((bound, Account.id))), func.count(Account.id)).where(
            Account.organization_id == organization.id, Account.is_closed.is_(False)
        )
    ).one()
    return Share(count, total)


def _readings(organization: Organization, first_day: date) -> Share:
    # "Submitted" means by a tenant: the company's own imports and corrections are not the cabinet's doing.
    submitted = exists().where(Reading.meter_id == Meter.id, Reading.source == "tenant", Reading.taken_on >= first_day)
    count, total = db.session.execute(
        select(func.count(case((submitted, Meter.id))), func.count(Meter.id))
        .join(Account, Account.id == Meter.account_id)
        .where(Account.organization_id == organization.id, Meter.is_active.is_(True))
    ).one()
    return Share(count, total)


def _open_requests(organization: Organization, now: datetime, overdue_hours: int):
    """Open requests by category, by age, and how many are past their category's deadline (overdue_hours where the
    company set none): one grouped query, and one for the deadlines."""
    missed = deadlines_of(organization.id, default=overdue_hours).missed_clause(now)
    rows = db.session.execute(
        select(
            DispatchRequest.category,
            func.count(DispatchRequest.id),
            func.count(case((DispatchRequest.created_at > now - AGES[0][2], DispatchRequest.id))),
            func.count(case((DispatchRequest.created_at > now - AGES[1][2], DispatchRequest.id))),
            func.count(case((missed, DispatchRequest.id))),
        )
        .where(DispatchRequest.organization_id == organization.id, DispatchRequest.status.in_(OPEN_STATUSES))
        .group_by(DispatchRequest.category)
    ).all()
    counted = {category: count for category, count, *_ in rows}
    by_category = {category: counted.get(category, 0) for category in CATEGORY_LABELS}
    under_day = sum(row[2] for row in rows)
    under_three = sum(row[3] for row in rows)
    total = sum(row[1] for row in rows)
    by_age = {"day": under_day, "days": under_three - under_day, "older": total - under_three}
    return by_category, by_age, sum(row[4] for row in rows)


# --- the charts: horizontal bars, drawn as SVG by the template ---------------------------------------------------

WIDTH, ROW, LABEL_WIDTH, VALUE_WIDTH = 360, 24, 130, 40


@dataclass(frozen=True)
class Bar:
    """One row of a chart: its label, value and the bar's place."""

    key: str
    label: str
    value: int
    y: int
    width: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bar_x: int
    bars: list[Bar]


def chart(values: dict[str, int], labels: dict[str, object]) -> Chart:
    """Bars for `values` (by key), the longest as wide as the chart allows, the others in proportion."""
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    top = max(values.values(), default=0) or 1
    bars = [
        Bar(key, str(labels[key]), value, index * ROW, room * value / top)
        for index, (key, value) in enumerate(values.items())
    ]
    return Chart(WIDTH, ROW * len(bars), LABEL_WIDTH, bars)


def age_labels() -> dict[str, object]:
    return {key: label for key, label, _limit in AGES}
