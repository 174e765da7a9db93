"""The back office's home: the dashboard; and the audit log."""

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from kabinet.clock import local_today, utcnow
from kabinet.dispatch.services import CATEGORY_LABELS, RATING_WORDS
from kabinet.staff import journal, overview
from kabinet.staff.access import organization, staff_required
from kabinet.staff.accounts import bindings
from kabinet.staff.checklist import checklist
from kabinet.staff.dispatch import ratings
from kabinet.staff.documents import reports
from kabinet.staff.documents.services import PUBLISHERS
from kabinet.staff.forms import AuditFilterForm
from kabinet.urls import page_number

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/")
@staff_required()
def home():
    """Where staff land after login: the organization's numbers at a glance."""
    company = organization()
    today = local_today()
    numbers = overview.overview(company, utcnow(), today, current_app.config["DISPATCH_OVERDUE_HOURS"])
    return render_template(
        "staff/home.html",
        checklist=checklist(company, current_app.config, current_user.role),
        numbers=numbers,
        binding_requests=bindings.pending_count(company),
        by_category=overview.chart(numbers.by_category, CATEGORY_LABELS),
        by_age=overview.chart(numbers.by_age, overview.age_labels()),
        ratings=ratings.summary(organization(), utcnow()),
        rating_words=RATING_WORDS,
        reports_due=reports.report_due(company, today) if current_user.role in ("admin", *PUBLISHERS) else [],
        today=today,
    )


@bp.route("/audit")
@staff_required("admin")
def audit():
    """The audit log, newest first, filtered from the address; read-only."""
    company = organization()
    form = AuditFilterForm(journal.actions(company), formdata=request.args)
    form.validate()  # a bad filter is shown with its message and left out; the others still narrow the log
    listed = journal.events(company, form.chosen(), page_number())
    page = render_template("staff/audit.html", form=form, listed=listed, label=journal.label, target=journal.target)
    return page, form.http_status
