"""Which organization an action is about: the only one of a small installation, or one named among several."""

from flask import current_app
from sqlalchemy import func, or_, select

from kabinet.extensions import db
from kabinet.models import Organization


class UnknownOrganization(Exception):
    """No organization, or more than one, answers to what was asked."""


def default_organization() -> Organization:
    """The installation's organization, made from the COMPANY_* settings on first use."""
    organization = db.session.scalar(select(Organization).order_by(Organization.id).limit(1))
    if organization is None:
        config = current_app.config
        organization = Organization(
            name=config["COMPANY_NAME"], phones=config["COMPANY_PHONE"], email=config["COMPANY_EMAIL"]
        )
        db.session.add(organization)
        db.session.flush()
    return organization


def find_organization(reference: str | None) -> Organization:
    """The organization with this id or INN; without one, the only organization there is."""
    if reference is None:
        if db.session.scalar(select(func.count(Organization.id))) > 1:
            raise UnknownOrganization("Организаций несколько: укажите --org (номер или ИНН).")
        return default_organization()
    query = select(Organization).where(
        or_(Organization.inn == reference, Organization.id == (int(reference) if reference.isdigit() else -1))
    )
    found = db.session.scalars(query).all()
    if len(found) != 1:
        raise UnknownOrganization(f"Организация «{reference}» не найдена.")
    return found[0]


def organizations() -> list[Organization]:
    """Every organization, by name."""
    return db.session.scalars(select(Organization).order_by(Organization.name)).all()
