"""The chairman's reports the owners are owed, as the back office reminds them.

Kazakhstan's housing law has the chairman of an ОСИ (КСК) report to the owners every month, by the 20th of the next
one, and once a year. The law names no day for the yearly report; we ask for it by the end of the first quarter, the
31st of March: the year's December report is due on the 20th of January, and the owners' yearly meeting, where the
year is accounted for, is held in the first quarter. Only organizations of a country whose law asks for these
reports are reminded (Organization.owes_owners_reports): a Russian УК owes its owners a yearly report only.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from kabinet.extensions import db
from kabinet.models import Document, Organization

MONTHLY_DAY = 20  # of the month after the one reported
YEARLY_DEADLINE = (3, 31)  # (month, day) of the year after the one reported


@dataclass(frozen=True)
class ReportDue:
    """A report not published yet: the period it covers (as Document.period), its first day, and its deadline."""

    period: str
    covers: date
    deadline: date
    yearly: bool

    def overdue(self, today: date) -> bool:
        """Whether the deadline has passed."""
        return today > self.deadline


def report_due(organization: Organization, today: date) -> list[ReportDue]:
    """The reports owed on `today` and not yet published (one query): the previous month's, all month long, and the
    previous year's, all year long; each one until a «Отчёт» for its period is published. None where the law asks
    for none."""
    if not organization.owes_owners_reports:
        return []
    last_month = today.replace(day=1) - timedelta(days=1)
    owed = [
        ReportDue(f"{last_month:%Y-%m}", last_month.replace(day=1), today.replace(day=MONTHLY_DAY), yearly=False),
        ReportDue(f"{today.year - 1}", date(today.year - 1, 1, 1), date(today.year, *YEARLY_DEADLINE), yearly=True),
    ]
    published = set(
        db.session.scalars(
            select(Document.period).where(
                Document.organization_id == organization.id,
                Document.kind == "report",
                Document.period.in_([report.period for report in owed]),
            )
        )
    )
    return [report for report in owed if report.period not in published]
