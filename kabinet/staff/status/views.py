"""«Состояние системы» (the platform administrator; without one, the admin of the first organization): the
outbox's backlog and failures with retries, the worker, backups, versions."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import format_decimal
from flask_login import current_user

from kabinet import backups, messages
from kabinet.extensions import db
from kabinet.forms import ButtonForm
from kabinet.messages import notify
from kabinet.models import OutboxMessage
from kabinet.staff.access import is_platform, keeps_the_installation, staff_required
from kabinet.staff.status import services

bp = Blueprint("staff_status", __name__, url_prefix="/staff/status")


def _installation_admin_only() -> None:
    """The page is the installation's, its outbox everyone's mail: only whoever looks after the installation opens it
    (the platform administrator, else the first organization's admin); another organization's admin gets 404."""
    if not keeps_the_installation(current_user):
        abort(404)


@bp.route("/")
@staff_required("admin", platform=True)
def index():
    """The system at a glance, with a retry button per failed e-mail and one for all."""
    _installation_admin_only()
    return render_template(
        "staff/status/index.html",
        backlog=services.backlog(),
        workers=services.workers(),
        jobs=services.jobs(),
        backup=backups.last_backup(),
        database_size=_megabytes(services.database_size()),
        versions=services.versions(),
        form=ButtonForm(),
        mask=is_platform(current_user),
        masked=services.masked,
    )


def _megabytes(size: int | None) -> str | None:
    """A size in bytes as the page's language writes megabytes to a tenth: «12,3»."""
    return None if size is None else format_decimal(size / 1048576, "#,##0.0")


@bp.route("/retry/<int:message_id>", methods=["POST"])
@staff_required("admin", platform=True)
def retry(message_id):
    """Put one given-up e-mail back in the queue; the worker sends it on its next round."""
    _installation_admin_only()
    message = db.get_or_404(OutboxMessage, message_id)
    if ButtonForm().validate_on_submit():
        # Not retried: sent or queued again meanwhile (another admin's click, or «все»).
        retried = services.retry(message, by=current_user._get_current_object())
        recipient = services.masked(message.recipient) if is_platform(current_user) else message.recipient
        notify(messages.OUTBOX_RETRIED if retried else messages.OUTBOX_NOTHING_TO_RETRY, recipient=recipient)
    return redirect(url_for("staff_status.index"))


@bp.route("/retry", methods=["POST"])
@staff_required("admin", platform=True)
def retry_all():
    """Put every given-up e-mail back in the queue."""
    _installation_admin_only()
    if ButtonForm().validate_on_submit():
        count = services.retry_all(by=current_user._get_current_object())
        notify(messages.OUTBOX_RETRIED_ALL if count else messages.OUTBOX_NOTHING_TO_RETRY, count=count)
    return redirect(url_for("staff_status.index"))
