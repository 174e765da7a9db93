"""The staff's content: answers to the complaints book, the feedback messages and the announcements."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from kabinet import messages
from kabinet.book.forms import KINDS
from kabinet.clock import local_today
from kabinet.messages import notify
from kabinet.staff.access import organization, staff_required
from kabinet.staff.content import services
from kabinet.staff.content.forms import STATES, ActionForm, AnnouncementForm, AnswerForm, BookFilterForm
from kabinet.urls import page_number

bp = Blueprint("staff_content", __name__, url_prefix="/staff/content")
ANNOUNCERS = ("dispatcher", "accountant")


def _found(row):
    if row is None:
        abort(404)
    return row


# --- the complaints book ----------------------------------------------------------------------------------------


@bp.route("/book")
@staff_required("dispatcher")
def book():
    """The organization's complaints book, entries awaiting an answer first, filtered by kind and state."""
    form = BookFilterForm(formdata=request.args)
    form.validate()
    listed = services.book_entries(organization(), form.chosen(form.kind), form.chosen(form.state), page_number())
    return render_template("staff/content/book.html", form=form, listed=listed, kinds=KINDS, states=STATES)


def _entry_page(entry, form=None):
    form = form or AnswerForm(formdata=None, answer=entry.answer, publish=entry.is_published)
    return render_template(
        "staff/content/entry.html",
        entry=entry,
        author=services.author_of(entry),
        form=form,
        action=ActionForm(formdata=None),
        kinds=KINDS,
    )


@bp.route("/book/<int:entry_id>", methods=["GET", "POST"])
@staff_required("dispatcher")
def entry(entry_id):
    """One entry: the tenant's text, and the company's answer to write or replace and to publish or not."""
    found = _found(services.book_entry(organization(), entry_id))
    form = AnswerForm()
    if not form.validate_on_submit():
        return _entry_page(found, form if form.is_submitted() else None)
    emailed = services.answer_entry(found, form.answer.data, form.publish.data, current_user)
    notify(messages.STAFF_BOOK_ANSWERED if emailed else messages.STAFF_BOOK_ANSWER_SAVED)
    return redirect(url_for("staff_content.entry", entry_id=found.id))


def _publish(entry_id: int, publish: bool):
    found = _found(services.book_entry(organization(), entry_id))
    if not ActionForm().validate_on_submit():
        notify(messages.FORM_EXPIRED)
    elif not services.publish_entry(found, publish, current_user):
        notify(messages.STAFF_BOOK_NOT_ANSWERED)
    else:
        notify(messages.STAFF_BOOK_PUBLISHED if publish else messages.STAFF_BOOK_UNPUBLISHED)
    return redirect(url_for("staff_content.entry", entry_id=found.id))


@bp.route("/book/<int:entry_id>/publish", methods=["POST"])
@staff_required("dispatcher")
def entry_publish(entry_id):
    """Show an answered entry, with its answer, to the organization's tenants."""
    return _publish(entry_id, True)


@bp.route("/book/<int:entry_id>/unpublish", methods=["POST"])
@staff_required("dispatcher")
def entry_unpublish(entry_id):
    """Hide a published entry from the tenants again."""
    return _publish(entry_id, False)


# --- feedback ---------------------------------------------------------------------------------------------------


@bp.route("/feedback")
@staff_required("dispatcher")
def feedback():
    """The organization's feedback messages, new ones first, each with its state."""
    listed = services.feedback_list(organization(), page_number())
    return render_template("staff/content/feedback.html", listed=listed, action=ActionForm(formdata=None))


def _mark(feedback_id: int, done: bool):
    item = _found(services.feedback_item(organization(), feedback_id))
    if ActionForm().validate_on_submit():
        services.set_feedback_state(item, done, current_user)
        notify(messages.STAFF_FEEDBACK_DONE if done else messages.STAFF_FEEDBACK_REOPENED)
    else:
        notify(messages.FORM_EXPIRED)
    return redirect(url_for("staff_content.feedback", page=page_number()))


@bp.route("/feedback/<int:feedback_id>/done", methods=["POST"])
@staff_required("dispatcher")
def feedback_done(feedback_id):
    """Mark a message handled."""
    return _mark(feedback_id, True)


@bp.route("/feedback/<int:feedback_id>/reopen", methods=["POST"])
@staff_required("dispatcher")
def feedback_reopen(feedback_id):
    """Put a handled message back among the new ones."""
    return _mark(feedback_id, False)


# --- announcements ----------------------------------------------------------------------------------------------


@bp.route("/announcements")
@staff_required(*ANNOUNCERS)
def announcements():
    """The organization's announcements, the latest first, with whom each is for and whether it was e-mailed."""
    listed = services.announcements_of(organization(), page_number())
    return render_template(
        "staff/content/announcements.html", listed=listed, today=local_today(), has_ended=services.has_ended
    )


def _save(announcement=None):
    """The announcement's form, new or filled from `announcement`; saved when valid."""
    company = organization()
    form = AnnouncementForm(company, obj=announcement, data=None if announcement else {"published_on": local_today()})
    if announcement is not None and not form.is_submitted():
        form.buildings.data = [building.id for building in announcement.buildings]
    if form.validate_on_submit():
        saved = services.save_announcement(
            company,
            announcement,
            current_user,
            title=form.title.data,
            body=form.body.data,
            building_ids=form.buildings.data or [],
            published_on=form.published_on.data,
            until=form.until.data,
        )
        notify(messages.STAFF_ANNOUNCEMENT_SAVED, title=saved.title)
        return redirect(url_for("staff_content.announcements"))
    return render_template(
        "staff/content/announcement.html", form=form, announcement=announcement, action=ActionForm(formdata=None)
    )


@bp.route("/announcements/new", methods=["GET", "POST"])
@staff_required(*ANNOUNCERS)
def announcement_new():
    """Write an announcement for the whole organization or for chosen buildings."""
    return _save()


@bp.route("/announcements/<int:announcement_id>", methods=["GET", "POST"])
@staff_required(*ANNOUNCERS)
def announcement_edit(announcement_id):
    """Change an announcement: its text, its buildings, its period."""
    return _save(_found(services.announcement_of(organization(), announcement_id)))


@bp.route("/announcements/<int:announcement_id>/delete", methods=["POST"])
@staff_required(*ANNOUNCERS)
def announcement_delete(announcement_id):
    """Remove an announcement from the tenants' pages."""
    found = _found(services.announcement_of(organization(), announcement_id))
    if not ActionForm().validate_on_submit():
        notify(messages.FORM_EXPIRED)
        return redirect(url_for("staff_content.announcement_edit", announcement_id=found.id))
    services.delete_announcement(found, current_user)
    notify(messages.STAFF_ANNOUNCEMENT_DELETED)
    return redirect(url_for("staff_content.announcements"))


@bp.route("/announcements/<int:announcement_id>/email", methods=["GET", "POST"])
@staff_required(*ANNOUNCERS)
def announcement_email(announcement_id):
    """Once confirmed, send the announcement to the tenants of its buildings by e-mail, once; never an ended one."""
    found = _found(services.announcement_of(organization(), announcement_id))
    today, form = local_today(), ActionForm()
    if found.emailed_at is None and not services.has_ended(found, today) and not form.validate_on_submit():
        count = services.recipient_count(found)
        return render_template("staff/content/email_announcement.html", announcement=found, recipients=count, form=form)
    try:
        sent = services.email_announcement(found, current_user, today)
    except services.Ended:
        notify(messages.STAFF_ANNOUNCEMENT_ENDED)
    else:
        if sent is None:
            notify(messages.STAFF_ANNOUNCEMENT_ALREADY_EMAILED)
        elif sent == 0:
            notify(messages.STAFF_ANNOUNCEMENT_NOBODY)
        else:
            notify(messages.STAFF_ANNOUNCEMENT_EMAILED, count=sent)
    return redirect(url_for("staff_content.announcements"))

