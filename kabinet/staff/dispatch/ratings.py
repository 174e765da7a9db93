"""The tenants' ratings of the work done, summed up for the dashboard: all time, the last days, by executor."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select

from kabinet.dispatch.services import RATING_WORDS
from kabinet.extensions import db
from kabinet.models import DispatchRequest, Executor, Organization

RECENT = timedelta(days=30)
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Marks:
    """How many ratings, and their average to a tenth (None without any)."""

    count: int
    average: Decimal | None


@dataclass(frozen=True)
class Ratings:
    """What the dashboard's ratings block shows."""

    all_time: Marks
    recent: Marks  # rated within RECENT
    recent_by_mark: dict[int, int]  # 5..1 -> how many within RECENT
    recent_by_executor: list[tuple[str, Marks]]  # the best first; requests nobody was assigned to are left out


def _marks(count, average) -> Marks:
    # SQLite averages as a float, PostgreSQL as a Decimal: both rounded through str.
    return Marks(count, Decimal(str(average)).quantize(TENTH) if count else None)


def summary(organization: Organization, now: datetime) -> Ratings:
    """The organization's ratings now: two queries."""
    since = now - RECENT
    rated = DispatchRequest.rating.is_not(None)
    recent = DispatchRequest.rated_at >= since
    mine = DispatchRequest.organization_id == organization.id
    row = db.session.execute(
        select(
            func.count(DispatchRequest.rating),
            func.avg(DispatchRequest.rating),
            func.count(case((recent, DispatchRequest.rating))),
            func.avg(case((recent, DispatchRequest.rating))),
            *(func.count(case((recent & (DispatchRequest.rating == mark), 1))) for mark in RATING_WORDS),
        ).where(mine, rated)
    ).one()
    by_executor = db.session.execute(
        select(Executor.name, func.count(DispatchRequest.rating), func.avg(DispatchRequest.rating))
        .join(Executor, Executor.id == DispatchRequest.executor_id)
        .where(mine, rated, recent)
        .group_by(Executor.id, Executor.name)
        .order_by(func.avg(DispatchRequest.rating).desc(), Executor.name)
    ).all()
    return Ratings(
        all_time=_marks(row[0], row[1]),
        recent=_marks(row[2], row[3]),
        recent_by_mark=dict(zip(RATING_WORDS, row[4:], strict=True)),
        recent_by_executor=[(name, _marks(count, average)) for name, count, average in by_executor],
    )
