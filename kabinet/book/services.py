"""The complaints and suggestions book: a tenant writes, the company answers and may publish the answer.

Published entries are shown without their author: the tenant wrote to the company, not to the neighbours, and it is
the company, not the author, that decides to publish; in a house of a few dozen flats even "Иван П." names someone.
They are read by the tenants of the organization, i.e. users with an account of it bound: a login without accounts
is anyone at all, who only registered.
"""

from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import and_, or_, select

from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import BookEntry, Organization, User
from kabinet.models.book import BOOK_KINDS

PER_PAGE = 50
LAST_PAGE = 10_000  # beyond any real history; keeps a typed ?page= from overflowing the database's OFFSET
# The same subject and text again within this time is a double click or a refresh, not a second entry.
REPEAT_WINDOW = timedelta(minutes=1)


class Page(NamedTuple):
    """One page of a list, newest first, and whether older entries follow."""

    items: list[BookEntry]
    number: int
    has_more: bool


def _page(query, number: int) -> Page:
    number = min(max(number, 1), LAST_PAGE)
    rows = db.session.scalars(query.limit(PER_PAGE + 1).offset((number - 1) * PER_PAGE)).all()
    return Page(rows[:PER_PAGE], number, len(rows) > PER_PAGE)


def create(user: User, organization: Organization, kind: str, subject: str, text: str) -> BookEntry:
    """Add the tenant's entry to the organization's book; the same entry again within a minute is not added twice."""
    if kind not in BOOK_KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    # Two submits of one form at once wait for each other here (PostgreSQL), so the second finds the first.
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    repeated = db.session.scalar(
        select(BookEntry).where(
            BookEntry.user_id == user.id,
            BookEntry.subject == subject,
            BookEntry.text == text,
            BookEntry.created_at >= utcnow() - REPEAT_WINDOW,
        )
    )
    entry = repeated or BookEntry(
        organization_id=organization.id, user_id=user.id, kind=kind, subject=subject, text=text
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def answer(entry: BookEntry, text: str, staff_user: User, publish: bool = False) -> BookEntry:
    """The company's answer (a later one replaces it); only an answered entry can be published."""
    text = text.strip()
    if not text:
        raise ValueError("an answer needs a text")
    entry.answer = text
    entry.answered_at = utcnow()
    entry.answered_by = staff_user.id
    entry.is_published = publish
    db.session.commit()
    return entry


def entries_of(user: User, page: int = 1) -> Page:
    """The tenant's own entries, newest first."""
    query = (
        select(BookEntry).where(BookEntry.user_id == user.id).order_by(BookEntry.created_at.desc(), BookEntry.id.desc())
    )
    return _page(query, page)


def _published_by(organizations: list[Organization]):
    return and_(
        BookEntry.organization_id.in_([o.id for o in organizations]),
        BookEntry.is_published,
        BookEntry.answered_at.is_not(None),
    )


def published_for(organizations: list[Organization], page: int = 1) -> Page:
    """The answered entries these organizations chose to publish, the newest answers first."""
    query = (
        select(BookEntry)
        .where(_published_by(organizations))
        .order_by(BookEntry.answered_at.desc(), BookEntry.id.desc())
    )
    return _page(query, page)


def visible_entry(user: User, entry_id: int, organizations: list[Organization]) -> BookEntry | None:
    """The user's own entry, or one published by one of their organizations; None for anything else."""
    query = select(BookEntry).where(
        BookEntry.id == entry_id, or_(BookEntry.user_id == user.id, _published_by(organizations))
    )
    return db.session.scalar(query)
