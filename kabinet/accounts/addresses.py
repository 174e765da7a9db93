"""The first-login address form's rules: finding the typed house among the organizations' houses, and the waiting
list of people whose house no organization on the platform serves yet.

A house is stored as one line (Building.address, as the office or the accounting program wrote it), so the typed
city, street and house are matched against its words: in order, whatever the case, the punctuation and the words
«г.», «ул.», «д.» that some write and some leave out. The city may be missing from a house's line (an organization of
one city often omits it); it is then looked for in the organization's own address.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import literal, select
from sqlalchemy.orm import joinedload

from kabinet import outbox
from kabinet.address_words import words
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import Building, WaitingAddress
from kabinet.urls import external_url


class Typed(NamedTuple):
    """The address as the tenant typed it in the form."""

    city: str
    street: str
    house: str


def _position(needle: list[str], haystack: list[str], start: int = 0) -> int:
    """Where `needle` first stands as consecutive words of `haystack` from `start`; -1 when it does not."""
    for i in range(start, len(haystack) - len(needle) + 1):
        if haystack[i : i + len(needle)] == needle:
            return i
    return -1


def matches(typed: Typed, house_address: str, organization_address: str = "") -> bool:
    """Whether the typed address names this house: the street's words followed at once by the house's, and the
    city's words before them (or, when the house's line names no city, in the organization's address)."""
    line, street, house, city = words(house_address), words(typed.street), words(typed.house), words(typed.city)
    if not street or not house:
        return False
    at = _position(street, line)
    while at != -1:
        after = at + len(street)
        in_city = _position(city, line[:at]) != -1 or _position(city, words(organization_address)) != -1
        if line[after : after + len(house)] == house and in_city:
            return True
        at = _position(street, line, at + 1)
    return False


def find_houses(typed: Typed) -> list[Building]:
    """The houses of every organization the typed address names, by organization and address. The database returns
    only the houses whose words hold the typed street's followed by the house's (Building.address_words); the city,
    which may stand in the organization's address instead, is then checked here."""
    street, house = words(typed.street), words(typed.house)
    if not street or not house:
        return []
    spelled_line = literal(" ") + Building.address_words + " "
    query = (
        select(Building)
        .options(joinedload(Building.organization))
        .where(spelled_line.contains(f" {' '.join(street + house)} ", autoescape=True))
    )
    found = [b for b in db.session.scalars(query) if matches(typed, b.address, b.organization.address)]
    return sorted(found, key=lambda b: (b.organization.name, b.address))


def wait(email: str, typed: Typed, premises: str) -> WaitingAddress:
    """Put the person on the waiting list for this address; the same e-mail and address again is the same row."""
    waiting = db.session.scalar(
        select(WaitingAddress).where(
            WaitingAddress.email == email,
            WaitingAddress.city == typed.city,
            WaitingAddress.street == typed.street,
            WaitingAddress.house == typed.house,
            WaitingAddress.notified_at.is_(None),
        )
    )
    if waiting is None:
        waiting = WaitingAddress(email=email, city=typed.city, street=typed.street, house=typed.house)
        db.session.add(waiting)
    waiting.premises = premises
    db.session.commit()
    return waiting


def houses_added(buildings: Iterable[Building]) -> int:
    """Tell everyone waiting for one of these new (or newly named) houses that their organization is on the platform
    now: an e-mail through the outbox, in the caller's transaction, once per waiting row, however many of the houses
    it names. One reading of the waiting list for all of them (an import adds hundreds). How many were told."""
    by_word: dict[str, list[Building]] = defaultdict(list)
    for building in buildings:
        for word in set(building.address_words.split()):
            by_word[word].append(building)
    if not by_word:
        return 0
    told = 0
    # Read whole before the loop: the rows it marks as told are flushed while it goes on.
    waiting = db.session.scalars(select(WaitingAddress).where(WaitingAddress.notified_at.is_(None))).all()
    for row in waiting:
        typed = Typed(row.city, row.street, row.house)
        house = words(row.house)
        # Only a house whose line holds the typed house number can be the one: the others are not compared.
        candidates = by_word.get(house[0], []) if house else []
        building = next((b for b in candidates if matches(typed, b.address, b.organization.address)), None)
        if building is None:
            continue
        outbox.queue(
            row.email,
            "accounts/house_connected",
            waiting=row,
            building=building,
            organization=building.organization,
            link=external_url("accounts.address"),
        )
        row.notified_at = utcnow()
        told += 1
    return told
