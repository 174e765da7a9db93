"""One clock for the whole app: naive UTC, the same on SQLite and PostgreSQL; and the local date of the tenants."""

from datetime import UTC, date, datetime

from flask_babel import to_user_timezone


def utcnow() -> datetime:
    """The current moment in UTC without tzinfo, as every timestamp column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_today() -> date:
    """Today in the installation's time zone (TIMEZONE): a tenant's "this month" and a readings window "from the 15th"
    turn at midnight where the tenants live, not at UTC's."""
    return to_user_timezone(utcnow()).date()
