"""The complaints and suggestions book ("Книга жалоб и предложений"): the tenant's entries and published answers."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from kabinet import messages
from kabinet.auth.signed_in import reads_only
from kabinet.book import services
from kabinet.book.forms import KINDS, EntryForm
from kabinet.contacts.services import card, home_organization, organizations_of
from kabinet.extensions import db
from kabinet.limits import filed_too_often
from kabinet.messages import notify
from kabinet.models import Organization
from kabinet.organizations import speak_for
from kabinet.urls import id_argument, page_number

bp = Blueprint("book", __name__, url_prefix="/book")



@bp.route("/")
@reads_only
def index():
    """The tenant's entries ("Мои записи") with the company's answers, and the answers published for them."""
    return render_template(
        "book/index.html",
        mine=services.entries_of(current_user, page_number()),
        published=services.published_for(organizations_of(current_user), page_number("published_page")),
        kinds=KINDS,
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Write a complaint, a suggestion or a gratitude to one of the tenant's organizations (?organization_id= picks
    it)."""
    own = {o.id: o for o in organizations_of(current_user) or [home_organization(current_user)]}
    form = EntryForm()
    form.offer(own.values(), id_argument("organization_id"))
    organization = own.get(form.organization.data) or next(iter(own.values()))
    wait = form.is_submitted() and filed_too_often()
    if wait:
        notify(messages.SUBMISSIONS_TOO_OFTEN, wait=wait)
    elif form.validate_on_submit():
        entry = services.create(current_user, organization, form.kind.data, form.subject.data, form.text.data)
        notify(messages.BOOK_ENTRY_SAVED)
        return redirect(url_for("book.show", entry_id=entry.id))
    dispatch_phone = card(organization).dispatch_phone
    return (
        render_template("book/new.html", form=form, organization=organization, dispatch_phone=dispatch_phone),
        429 if wait else 200,
    )


@bp.route("/<int:entry_id>")
@reads_only
def show(entry_id):
    """One entry: the tenant's own, or one published for them; anything else is not found."""
    entry = services.visible_entry(current_user, entry_id, organizations_of(current_user))
    if entry is None:
        abort(404)
    speak_for(db.session.get(Organization, entry.organization_id))
    return render_template("book/show.html", entry=entry, kinds=KINDS, own=entry.user_id == current_user.id)
