"""The platform administrator's pages: the organizations with their counts, a new one, the invitation of its admin."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from kabinet import messages
from kabinet.clock import local_today
from kabinet.forms import ButtonForm
from kabinet.messages import notify
from kabinet.organizations import labels
from kabinet.platform import services
from kabinet.platform.forms import AdminInviteForm, OrganizationForm
from kabinet.staff.access import platform_required
from kabinet.staff.team.services import Refused

bp = Blueprint("platform", __name__, url_prefix="/platform")


def _me():
    """The logged-in platform administrator, as the services record them in the audit log."""
    return current_user._get_current_object()


def _organization_or_404(organization_id: int):
    """The organization named in the URL; 404 for an id no organization has."""
    return services.organization_of(organization_id) or abort(404)


@bp.route("/")
@platform_required
def index():
    """Where the platform administrator lands: every organization and its counts."""
    rows = services.counts(services.month_start(local_today()))
    return render_template("platform/index.html", rows=rows, kinds=services.KIND_NAMES)


@bp.route("/organizations/new", methods=["GET", "POST"])
@platform_required
def create():
    """«Создать организацию»: its name, kind, country and ИНН/БИН; then on to inviting its admin."""
    form = OrganizationForm()
    if not form.validate_on_submit():
        return render_template("platform/create.html", form=form), form.http_status
    organization = services.create_organization(
        name=form.name.data, kind=form.kind.data, country=form.country.data, inn=form.inn.data, by=_me()
    )
    notify(messages.PLATFORM_ORGANIZATION_CREATED, name=organization.name)
    return redirect(url_for("platform.organization", organization_id=organization.id))


def _organization_page(organization, form=None):
    """One organization's page, with the invitation form showing its errors when it failed."""
    return render_template(
        "platform/organization.html",
        organization=organization,
        admins=services.admins_of(organization),
        kinds=services.KIND_NAMES,
        inn_label=labels(organization.country)["inn"],  # a Kazakh organization's number is its БИН
        form=form or AdminInviteForm(formdata=None),
        button=ButtonForm(formdata=None),
    )


@bp.route("/organizations/<int:organization_id>")
@platform_required
def organization(organization_id):
    """One organization: its admins (invited or in) and the form inviting another."""
    return _organization_page(_organization_or_404(organization_id))


@bp.route("/organizations/<int:organization_id>/invite", methods=["POST"])
@platform_required
def invite(organization_id):
    """«Пригласить администратора»: the e-mail with the link that sets the password goes out."""
    organization = _organization_or_404(organization_id)
    form = AdminInviteForm()
    if not form.validate_on_submit():
        return _organization_page(organization, form), form.http_status
    services.invite_admin(organization, email=form.email.data, first_name=form.first_name.data,
                          last_name=form.last_name.data, by=_me())  # fmt: skip
    notify(messages.TEAM_INVITED, email=form.email.data)
    return redirect(url_for("platform.organization", organization_id=organization.id))


@bp.route("/organizations/<int:organization_id>/admins/<int:user_id>/resend", methods=["POST"])
@platform_required
def resend(organization_id, user_id):
    """«Отправить ещё раз»: a new invitation to an admin who has not accepted one; the earlier link stops working."""
    organization = _organization_or_404(organization_id)
    if ButtonForm().validate_on_submit():
        try:
            admin = services.resend_invitation(organization, user_id, by=_me()) or abort(404)
        except Refused as refused:
            notify(refused.message)
        else:
            notify(messages.TEAM_INVITATION_RESENT, email=admin.email)
    return redirect(url_for("platform.organization", organization_id=organization.id))
