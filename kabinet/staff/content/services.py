"""The rules of the staff's content: answers to the complaints book, the feedback messages, the announcements.

Each function takes the staff user's organization, so a row of another organization is never found, and notes
every change in the audit log in the same transaction as the change.
"""

from datetime import date

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import selectinload

from kabinet import audit
from kabinet.audience import tenants_of
from kabinet.book import services as book
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import Announcement, BookEntry, Building, Feedback, Organization, User
from kabinet.notifications import notify, notify_all
from kabinet.tokens import fingerprint
from kabinet.urls import external_url

PER_PAGE = 30
# The book's filter by state: what each choice keeps.
BOOK_STATES = {
    "unanswered": BookEntry.answered_at.is_(None),
    "answered": BookEntry.answered_at.is_not(None),
    "published": BookEntry.is_published & BookEntry.answered_at.is_not(None),
}


def _paginate(query, page: int):
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False, max_per_page=PER_PAGE)


# --- the complaints book ----------------------------------------------------------------------------------------


def book_entries(organization: Organization, kind: str = "", state: str = "", page: int = 1):
    """The organization's book, entries awaiting an answer first, then the newest; narrowed by kind and state."""
    query = select(BookEntry).where(BookEntry.organization_id == organization.id)
    if kind:
        query = query.where(BookEntry.kind == kind)
    if state:
        query = query.where(BOOK_STATES[state])
    awaiting_first = case((BookEntry.answered_at.is_(None), 0), else_=1)
    return _paginate(query.order_by(awaiting_first, BookEntry.created_at.desc(), BookEntry.id.desc()), page)


def book_entry(organization: Organization, entry_id: int) -> BookEntry | None:
    """One entry of the organization's book; None for any other organization's."""
    return db.session.scalar(
        select(BookEntry).where(BookEntry.id == entry_id, BookEntry.organization_id == organization.id)
    )


def author_of(entry: BookEntry) -> User | None:
    """Who wrote the entry; None once their profile is deleted."""
    return db.session.get(User, entry.user_id) if entry.user_id else None


def answer_entry(entry: BookEntry, text: str, publish: bool, staff_user: User) -> bool:
    """Answer the entry (or replace its answer) and publish it or not; True when its author was e-mailed.

    The author hears of a new or changed answer only: saving the same text again, to publish it, sends nothing.
    """
    text = text.strip()
    changed = text != entry.answer
    if changed:
        audit.record("book.answer", target=entry, details=text[:500], user=staff_user)
    if publish != entry.is_published:
        audit.record("book.publish" if publish else "book.unpublish", target=entry, user=staff_user)
    author = author_of(entry) if changed else None
    told = []
    if author is not None:
        # The answer replaced (its time and text before, the new text) names the event: each new answer is news.
        event = f"book:{entry.id}:{fingerprint(entry.answered_at, entry.answer, text)}"
        link = external_url("book.show", entry_id=entry.id)
        told = notify(author, "book_answer", event, "staff/book_answer", entry=entry, answer=text, link=link)
    book.answer(entry, text, staff_user, publish=publish)  # commits the answer with the audit and the e-mail
    return "email" in told


def publish_entry(entry: BookEntry, publish: bool, staff_user: User) -> bool:
    """Show the answered entry to the organization's tenants, or hide it; False for an entry without an answer."""
    if entry.answered_at is None:
        return False
    if entry.is_published != publish:
        entry.is_published = publish
        audit.record("book.publish" if publish else "book.unpublish", target=entry, user=staff_user)
        db.session.commit()
    return True


# --- feedback ---------------------------------------------------------------------------------------------------


def feedback_list(organization: Organization, page: int = 1):
    """The organization's feedback messages, new ones first, then the newest."""
    new_first = case((Feedback.state == "new", 0), else_=1)
    query = (
        select(Feedback)
        .where(Feedback.organization_id == organization.id)
        .order_by(new_first, Feedback.created_at.desc(), Feedback.id.desc())
    )
    return _paginate(query, page)


def feedback_item(organization: Organization, feedback_id: int) -> Feedback | None:
    """One feedback message of the organization; None for any other organization's."""
    return db.session.scalar(
        select(Feedback).where(Feedback.id == feedback_id, Feedback.organization_id == organization.id)
    )


def set_feedback_state(item: Feedback, done: bool, staff_user: User) -> None:
    """Mark the message handled, or back to new when it needs another look."""
    state = "done" if done else "new"
    if item.state != state:
        item.state = state
        audit.record("feedback.done" if done else "feedback.reopen", target=item, user=staff_user)
        db.session.commit()


# --- announcements ----------------------------------------------------------------------------------------------


def announcements_of(organization: Organization, page: int = 1):
    """The organization's announcements, the latest publication first, with their buildings (one more query)."""
    query = (
        select(Announcement)
        .where(Announcement.organization_id == organization.id)
        .options(selectinload(Announcement.buildings))
        .order_by(Announcement.published_on.desc(), Announcement.id.desc())
    )
    return _paginate(query, page)


def announcement_of(organization: Organization, announcement_id: int) -> Announcement | None:
    """One announcement of the organization; None for any other organization's."""
    return db.session.scalar(
        select(Announcement).where(Announcement.id == announcement_id, Announcement.organization_id == organization.id)
    )


def save_announcement(
    organization: Organization,
    announcement: Announcement | None,
    staff_user: User,
    *,
    title: str,
    body: str,
    building_ids: list[int],
    published_on: date,
    until: date | None,
) -> Announcement:
    """Create an announcement (when `announcement` is None) or change one; no buildings: the whole organization."""
    if until is not None and until < published_on:
        raise ValueError("an announcement cannot end before it is published")
    buildings = db.session.scalars(
        select(Building).where(Building.organization_id == organization.id, Building.id.in_(building_ids))
    ).all()
    action = "announcement.update"
    if announcement is None:
        announcement = Announcement(organization_id=organization.id, created_by=staff_user.id)
        db.session.add(announcement)
        action = "announcement.create"
    announcement.title, announcement.body = title, body
    announcement.published_on, announcement.until = published_on, until
    announcement.buildings = list(buildings)
    db.session.flush()  # the new one's id, for the audit's target
    audit.record(action, target=announcement, details=title, user=staff_user)
    db.session.commit()
    return announcement


def delete_announcement(announcement: Announcement, staff_user: User) -> None:
    """Remove the announcement from the tenants' pages for good."""
    audit.record("announcement.delete", target=announcement, details=announcement.title, user=staff_user)
    db.session.delete(announcement)
    db.session.commit()


def _recipients(announcement: Announcement) -> tuple:
    """Who the announcement is for: tenants bound to an open account in its buildings, confirmed, not blocked."""
    return tenants_of(announcement.organization_id, [building.id for building in announcement.buildings])


def recipients(announcement: Announcement) -> list[User]:
    """The tenants the announcement is for, as users."""
    return list(db.session.scalars(select(User).where(*_recipients(announcement)).order_by(User.id)))


def recipient_count(announcement: Announcement) -> int:
    """How many tenants the announcement is for, counted by the database (the confirmation page shows the number)."""
    return db.session.scalar(select(func.count(User.id)).where(*_recipients(announcement)))


class Ended(Exception):
    """An announcement past its last day: it is no longer news, and no longer sent."""


def has_ended(announcement: Announcement, today: date) -> bool:
    """Whether the announcement's last day has passed (the tenants no longer see it)."""
    return announcement.until is not None and announcement.until < today


def email_announcement(announcement: Announcement, staff_user: User, today: date) -> int | None:
    """Queue the announcement to each of its tenants, once; their number, or None when it was e-mailed already.
    Raises Ended for an announcement past its last day.

    The mark is set by one conditional UPDATE, so two clicks (or two staff) at once send it only once.
    """
    if has_ended(announcement, today):
        raise Ended(announcement.id)
    marked = db.session.execute(
        update(Announcement)
        .where(Announcement.id == announcement.id, Announcement.emailed_at.is_(None))
        .values(emailed_at=utcnow())
    )
    if marked.rowcount != 1:
        db.session.rollback()
        return None
    tenants = recipients(announcement)
    if not tenants:  # nobody to send to yet: keep the announcement unsent for when tenants bind their accounts
        db.session.rollback()
        return 0
    link = external_url("cabinet.home")
    event = f"announcement:{announcement.id}"
    told = notify_all(tenants, "announcement", event, "staff/announcement", announcement=announcement, link=link)
    emailed = sum("email" in channels for channels in told)
    audit.record("announcement.email", target=announcement, details=f"{emailed}", user=staff_user)
    db.session.commit()
    db.session.refresh(announcement)
    return emailed
