"""One clock for the whole app: naive UTC, the same on SQLite and PostgreSQL."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current moment in UTC without tzinfo, as every timestamp column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)
