"""The public pages' content: the home page's counters (requests filed, houses and accounts connected) and the
user agreement's text."""

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


def counters() -> Counters:
    """The three counters in one query."""
    row = db.session.execute(
        select(
            select(func.count(DispatchRequest.id)).scalar_subquery(),
            select(func.count(Building.id)).scalar_subquery(),
            select(func.count(distinct(AccountBinding.account_id))).scalar_subquery(),
        )
    ).one()
    return Counters(*row)


def agreement_text(organization: Organization) -> str | None:
    """The agreement as plain text: the one the organization's admin wrote, else AGREEMENT_FILE's (how an
    installation set it before the admin could); None for the built-in text."""
    if organization.agreement:
        return organization.agreement
    path = current_app.config["AGREEMENT_FILE"]
    return Path(path).read_text(encoding="utf-8") if path else None
