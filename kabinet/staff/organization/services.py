"""The rules of the organization's settings and houses: what a save changes (and the audit log says), unique addresses.

Each function takes models, commits its own change and records it in the audit log, so the views stay a shell and
the tests call the rules without a request.
"""

from contextlib import contextmanager
from typing import NamedTuple

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kabinet import audit
from kabinet.accounts import addresses as waiting_list
from kabinet.extensions import db
from kabinet.models import Building, Organization, User
from kabinet.models.organization import COUNTRIES, SAME_EVERYWHERE
from kabinet.organizations import LABELS, labels, same_address

# How the audit log names a setting whose label leans on the one before it on the page.
LOGGED_NAMES = {"readings_until_day": _l("Показания принимаются по")}
# The log lists changes, it is no archive of texts: a longer value (the agreement) is cut to this many characters.
LOGGED_LENGTH = 200
# What a change of country blanks: every country's requisites but those that mean the same in all of them. Every
# country's, not just the old one's: a value an earlier move left behind (before they were blanked) is no less foreign.
FOREIGN_ON_MOVE = tuple(
    dict.fromkeys(name for country in COUNTRIES.values() for name in country.requisites if name not in SAME_EVERYWHERE)
)


class Change(NamedTuple):
    """One setting a save changed."""

    field: str
    old: object
    new: object


class AddressTaken(Exception):
    """The organization has a house at this address already."""


def changes(organization: Organization, values: dict) -> list[Change]:
    """What saving `values` (setting -> new value) would change, in the page's order."""
    return [
        Change(field, getattr(organization, field), values[field])
        for field in LABELS
        if field in values and getattr(organization, field) != values[field]
    ]


def _logged(value) -> str:
    """A value as the log shows it: «(пусто)» for nothing, a long text cut short."""
    text = str(value) if value not in (None, "") else _("(пусто)")
    return text if len(text) <= LOGGED_LENGTH else text[: LOGGED_LENGTH - 1] + "…"


def describe(made: list[Change], country: str = "RU") -> str:
    """The changes as the audit log keeps them, in Russian, named as the country names them: «ИНН: (пусто) →
    3808123457; Банк: … → …»."""
    names = {**labels(country), **LOGGED_NAMES}
    with force_locale("ru"):
        return "; ".join(f"{names[c.field]}: {_logged(c.old)} → {_logged(c.new)}" for c in made)


def moved(organization: Organization, values: dict) -> dict:
    """The settings to store when the admin changes the organization's country: its requisites, typed or stored,
    were the old country's and are blanked (a Russian ИНН is no БИН, nor a Russian БИК a Kazakh bank's), so the
    checklist asks for the new country's and a move back finds none of them; the bank's name, the same in any country,
    stays. A time zone left as the old country's becomes the new one's."""
    kept = {**values, **dict.fromkeys(FOREIGN_ON_MOVE, "")}
    if kept.get("timezone") == COUNTRIES[organization.country].timezone:
        kept["timezone"] = COUNTRIES[kept["country"]].timezone
    return kept


def blanked(made: list[Change]) -> list[str]:
    """The requisites a change of country blanked (moved), as the old country named them; none when the country
    stayed."""
    country = next((change.old for change in made if change.field == "country"), None)
    if country is None:
        return []
    names = labels(country)
    return [str(names[change.field]) for change in made if change.field in FOREIGN_ON_MOVE]


def save_settings(organization: Organization, values: dict, *, by: User) -> list[Change]:
    """Store the settings and record one audit event listing each changed one with its old and new value; nothing
    is recorded when nothing changed. The changes made."""
    country = organization.country
    if values.get("country", country) != country:
        values = moved(organization, values)
    made = changes(organization, values)
    if made:
        audit.record("organization.update", target=organization, details=describe(made, country), user=by)
        for change in made:
            setattr(organization, change.field, change.new)
        db.session.commit()
    return made


# --- houses --------------------------------------------------------------------------------------------------------


def house_of(organization: Organization, building_id: int) -> Building | None:
    """The organization's house with this id; None for another organization's, or for no house at all."""
    building = db.session.get(Building, building_id)
    return building if building and building.organization_id == organization.id else None


def address_taken(organization: Organization, address: str, renamed: Building | None = None) -> bool:
    """Whether another of the organization's houses has this address, whatever the case and spacing (compared here,
    not in SQL: SQLite's lower() leaves Cyrillic as it is). A company has hundreds of houses at most."""
    wanted = same_address(address)
    query = select(Building.address).where(Building.organization_id == organization.id)
    if renamed is not None:
        query = query.where(Building.id != renamed.id)
    return any(same_address(existing) == wanted for existing in db.session.scalars(query))


@contextmanager
def _unique_address():
    """Store a house's address; another admin who stored the same one a moment ago makes it AddressTaken."""
    try:
        yield
    except IntegrityError:
        db.session.rollback()
        raise AddressTaken from None


def add_house(organization: Organization, address: str, *, by: User) -> Building:
    """A new house of the organization, known by its address from now on (accounts are loaded into it by address)."""
    building = Building(organization_id=organization.id, address=address)
    with _unique_address():
        db.session.add(building)
        db.session.flush()
        audit.record("house.add", target=building, details=address, user=by)
        waiting_list.houses_added([building])
        db.session.commit()
    return building


def rename_house(building: Building, address: str, *, by: User) -> None:
    """Correct a house's address: every page, receipt and list shows the new one, as they all read Building.address;
    and the people waiting for the corrected address (which the tenants typed right) are told it is here now."""
    if building.address == address:
        return
    with _unique_address():
        audit.record("house.rename", target=building, details=f"{building.address} → {address}", user=by)
        building.address = address
        db.session.flush()
        waiting_list.houses_added([building])
        db.session.commit()
