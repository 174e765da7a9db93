"""The company's contacts ("Контакты") and the "Обратная связь" form, open to visitors who are not logged in."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from kabinet import messages
from kabinet.auth.signed_in import reads_only
from kabinet.contacts import services
from kabinet.contacts.forms import FeedbackForm
from kabinet.extensions import db
from kabinet.limits import per_address
from kabinet.messages import notify
from kabinet.models import Organization
from kabinet.urls import id_argument

bp = Blueprint("contacts", __name__, url_prefix="/contacts")


@bp.route("/")
@reads_only
def index():
    """Address, phones, dispatch phone, e-mail and opening hours of the visitor's organizations."""
    return render_template("contacts/index.html", cards=services.cards_for(current_user))


@bp.route("/feedback", methods=["GET", "POST"])
@per_address("RATELIMIT_FEEDBACK")
def feedback():
    """Write to the company (a tenant, to one of theirs; ?organization_id= picks it); a tenant finds their name and
    e-mail filled in."""
    tenant = current_user if current_user.is_authenticated else None
    form = FeedbackForm(name=tenant.full_name if tenant else None, contact=tenant.email if tenant else None)
    form.offer(services.recipients(current_user), id_argument("organization_id"))
    if form.validate_on_submit():
        # A bot is thanked like a person, so that it learns nothing, and nothing is kept or sent.
        if not form.is_from_a_bot():
            organization = db.session.get(Organization, form.organization.data)
            services.send_feedback(organization, tenant, form.name.data, form.contact.data, form.message.data)
        notify(messages.FEEDBACK_SENT)
        return redirect(url_for("contacts.feedback"))
    return render_template("contacts/feedback.html", form=form)
