"""The company's contacts ("Контакты") and the "Обратная связь" form, open to visitors who are not logged in."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectChoice

from kabinet import messages
from kabinet.contacts import services
from kabinet.contacts.forms import FeedbackForm
from kabinet.extensions import db
from kabinet.limits import per_address
from kabinet.messages import notify
from kabinet.models import Organization
from kabinet.organizations import organizations

bp = Blueprint("contacts", __name__, url_prefix="/contacts")


@bp.route("/")
def index():
    """Address, phones, dispatch phone, e-mail and opening hours of the visitor's organizations."""
    return render_template("contacts/index.html", cards=services.cards_for(current_user))


@bp.route("/feedback", methods=["GET", "POST"])
@per_address("RATELIMIT_FEEDBACK")
def feedback():
    """Write to the company; a tenant finds their name and e-mail filled in."""
    tenant = current_user if current_user.is_authenticated else None
    home = services.home_organization(current_user)
    form = FeedbackForm(
        organization=home.id,
        name=tenant.full_name if tenant else None,
        contact=tenant.email if tenant else None,
    )
    form.organization.choices = [SelectChoice(o.id, o.name) for o in organizations()] or [SelectChoice(home.id, "")]
    if len(form.organization.choices) == 1:
        form.organization.data = form.organization.choices[0].value
    if form.validate_on_submit():
        # A bot is thanked like a person, so that it learns nothing, and nothing is kept or sent.
        if not form.is_from_a_bot():
            organization = db.session.get(Organization, form.organization.data)
            services.send_feedback(organization, tenant, form.name.data, form.contact.data, form.message.data)
        notify(messages.FEEDBACK_SENT)
        return redirect(url_for("contacts.feedback"))
    return render_template("contacts/feedback.html", form=form)
