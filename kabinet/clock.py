"""One clock for the whole app: naive UTC, the same on SQLite and PostgreSQL; and the local date of the tenants."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    """The current moment in UTC without tzinfo, as every timestamp column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_today(zone: str | None = None) -> date:
    """Today in the organization's time zone (`zone`, Organization.timezone), else the installation's (TIMEZONE): a
    tenant's "this month" and a readings window "from the 15th" turn at midnight where the tenants live, not at
    UTC's."""
    # The installation's zone straight from the config Flask-Babel reads it from (the app sets no per-user zone):
    # Flask-Babel's to_user_timezone() looks it up through the request's context on every call, every page.
    return datetime.now(ZoneInfo(zone or current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


# Answers that e-mail a user if they exist take at least this long, whether or not they do (see steady()).
STEADY_ANSWER = 0.05  # seconds


@contextmanager
def steady(seconds: float = STEADY_ANSWER) -> Iterator[None]:
    """Finish the block no sooner than `seconds` after it began: answers whose work differs by whom they name (a
    user who exists, or not) take the same time."""
    started = time.monotonic()
    yield
    time.sleep(max(0.0, started + seconds - time.monotonic()))
