"""The public pages' content: the home page's counters (requests filed, houses and accounts connected, organizations
on the platform) and the user agreement's text."""

import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import distinct, func, select

from kabinet.extensions import db
from kabinet.models import AccountBinding, Building, DispatchRequest, Organization


@dataclass
class Counters:
    """How much the cabinet is used: what a visitor sees before registering."""

    requests: int
    buildings: int
    accounts: int
    organizations: int  # shown only when there are several: a single company's site does not advertise "1 КСК"


COUNTERS_FOR_SECONDS = 60  # every visitor's home page asks; a minute-old figure is as good


def counters() -> Counters:
    """The counters, across every organization: one query at most once a minute per app process."""
    cached = current_app.extensions.get("home_counters")
    if cached is not None and time.monotonic() < cached[0]:
        return cached[1]
    row = db.session.execute(
        select(
            select(func.count(DispatchRequest.id)).scalar_subquery(),
            select(func.count(Building.id)).scalar_subquery(),
            select(func.count(distinct(AccountBinding.account_id))).scalar_subquery(),
            select(func.count(Organization.id)).scalar_subquery(),
        )
    ).one()
    found = Counters(*row)
    current_app.extensions["home_counters"] = (time.monotonic() + COUNTERS_FOR_SECONDS, found)
    return found


def agreement_text(organization: Organization) -> str | None:
    """The agreement as plain text: the one the organization's admin wrote, else AGREEMENT_FILE's (how an
    installation set it before the admin could); None for the built-in text."""
    if organization.agreement:
        return organization.agreement
    path = current_app.config["AGREEMENT_FILE"]
    return Path(path).read_text(encoding="utf-8") if path else None
