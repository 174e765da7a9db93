"""The admin's team page (staff, invitations, roles, blocking, the 2FA rule), the executors, each staff user's 2FA."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kabinet import messages
from kabinet.auth import totp
from kabinet.forms import ButtonForm
from kabinet.limits import TooManyAttempts
from kabinet.messages import notify
from kabinet.models.user import STAFF_ROLES
from kabinet.staff.access import ROLE_NAMES, organization, second_factor_required, staff_required
from kabinet.staff.team import services
from kabinet.staff.team.forms import (
    ActionForm,
    CodeForm,
    ExecutorForm,
    InvitationForm,
    InviteForm,
    RequireSecondFactorForm,
    RoleForm,
)

bp = Blueprint("staff_team", __name__, url_prefix="/staff/team")


def _me():
    return current_user._get_current_object()


def _page(invite=None):
    """The team page, with the invitation form showing its errors when it failed."""
    company = organization()
    return render_template(
        "staff/team/index.html",
        staff=services.staff_of(company),
        invite=invite or InviteForm(formdata=None),
        role_names={role: ROLE_NAMES[role] for role in STAFF_ROLES},
        action=ActionForm(formdata=None),
        rule=RequireSecondFactorForm(required=company.staff_totp_required, formdata=None),
        invitation_expired=services.invitation_expired,
    )


@bp.route("/")
@staff_required("admin")
def index():
    """The organization's staff: who, which role, whether 2FA is on, whether blocked."""
    return _page()


@bp.route("/invite", methods=["POST"])
@staff_required("admin")
def invite():
    """Invite a new staff user by e-mail."""
    form = InviteForm()
    if not form.validate_on_submit():
        return _page(invite=form)
    fields = {name: form[name].data for name in ("email", "first_name", "last_name", "role", "login")}
    services.invite(organization(), by=_me(), **fields)
    notify(messages.TEAM_INVITED, email=form.email.data)
    return redirect(url_for("staff_team.index"))


def _member_or_404(user_id: int):
    user = services.member(organization(), user_id)
    if user is None:
        abort(404)
    return user


def _refusable(change, success, **params):
    """Run a team change, flash its success or the rule it broke, and go back to the team page."""
    try:
        change()
    except services.Refused as refused:
        notify(refused.message)
    else:
        notify(success, **params)
    return redirect(url_for("staff_team.index"))


@bp.route("/<int:user_id>/role", methods=["POST"])
@staff_required("admin")
def role(user_id):
    """Give a staff user another role."""
    user = _member_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)  # a select of fixed choices: only a forged request sends something else
    return _refusable(lambda: services.change_role(user, form.role.data, by=_me()), messages.TEAM_ROLE_CHANGED)


@bp.route("/<int:user_id>/block", methods=["POST"])
@staff_required("admin")
def block(user_id):
    """Block a staff user: they are logged out everywhere and cannot log in."""
    user = _member_or_404(user_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("staff_team.index"))
    return _refusable(lambda: services.block(user, by=_me()), messages.TEAM_BLOCKED)


@bp.route("/<int:user_id>/unblock", methods=["POST"])
@staff_required("admin")
def unblock(user_id):
    """Let a blocked staff user log in again."""
    user = _member_or_404(user_id)
    if ActionForm().validate_on_submit():
        services.unblock(user, by=_me())
        notify(messages.TEAM_UNBLOCKED)
    return redirect(url_for("staff_team.index"))


@bp.route("/<int:user_id>/resend", methods=["POST"])
@staff_required("admin")
def resend_invitation(user_id):
    """E-mail a new invitation link to a staff user who has not accepted one; the earlier links stop working."""
    user = _member_or_404(user_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("staff_team.index"))
    return _refusable(
        lambda: services.resend_invitation(user, organization(), by=_me()),
        messages.TEAM_INVITATION_RESENT,
        email=user.email,
    )


@bp.route("/<int:user_id>/revoke", methods=["POST"])
@staff_required("admin")
def revoke_invitation(user_id):
    """Withdraw an invitation nobody accepted: its link dies and the invited user is removed."""
    user = _member_or_404(user_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("staff_team.index"))
    email = user.email  # for the message: the user is gone afterwards
    return _refusable(lambda: services.revoke_invitation(user, by=_me()), messages.TEAM_INVITATION_REVOKED, email=email)


@bp.route("/<int:user_id>/reset-2fa", methods=["POST"])
@staff_required("admin")
def reset_second_factor(user_id):
    """Turn off the second factor of a staff user who lost the phone and the recovery codes."""
    user = _member_or_404(user_id)
    if ActionForm().validate_on_submit() and user.totp_enabled_at is not None:
        totp.reset(user, by=_me())
        notify(messages.TEAM_TOTP_RESET, login=user.login)
    return redirect(url_for("staff_team.index"))


@bp.route("/second-factor-rule", methods=["POST"])
@staff_required("admin")
def second_factor_rule():
    """Require (or stop requiring) a second factor of every staff user."""
    form = RequireSecondFactorForm()
    if form.validate_on_submit():
        services.require_second_factor(organization(), form.required.data, by=_me())
        notify(messages.TEAM_TOTP_REQUIRED if form.required.data else messages.TEAM_TOTP_OPTIONAL)
    return redirect(url_for("staff_team.index"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation_link(token):
    """The link from the invitation: its page asks to continue, and continuing spends the link and opens the form."""
    if services.invited() is not None:  # this browser has continued from it already
        return redirect(url_for("staff_team.invitation"))
    form = ButtonForm()
    outcome = services.open_invitation(token) if form.validate_on_submit() else services.read_invitation(token)[0]
    if outcome is not services.Invitation.VALID:
        notify(messages.INVITATION_EXPIRED if outcome is services.Invitation.EXPIRED else messages.INVITATION_INVALID)
        return redirect(url_for("auth.login"))
    if form.is_submitted():
        return redirect(url_for("staff_team.invitation"))
    text = _("Чтобы задать пароль сотрудника, нажмите «Продолжить». Ссылка из письма сработает один раз.")
    return render_template("continue_link.html", form=form, title=_("Приглашение в офис компании"), text=text)


@bp.route("/invitation", methods=["GET", "POST"])
def invitation():
    """The invited staff user sets their first password, after continuing from the link."""
    user = services.invited()
    if user is None:
        notify(messages.INVITATION_INVALID)
        return redirect(url_for("auth.login"))
    form = InvitationForm(user)
    if form.validate_on_submit():
        accepted = services.accept_invitation(form.password.data)
        notify(messages.INVITATION_ACCEPTED if accepted else messages.INVITATION_INVALID, login=user.login)
        return redirect(url_for("auth.login"))
    return render_template("staff/team/invitation.html", form=form, user=user)


# --- executors -------------------------------------------------------------------------------------------------


def _executors_page(add=None):
    return render_template(
        "staff/team/executors.html",
        executors=services.executors_of(organization()),
        add=add or ExecutorForm(formdata=None),
        rename=ExecutorForm(formdata=None),
        action=ActionForm(formdata=None),
    )


@bp.route("/executors", methods=["GET", "POST"])
@staff_required("admin")
def executors():
    """The list dispatchers assign requests to; add a name."""
    form = ExecutorForm()
    if not form.validate_on_submit():
        return _executors_page(add=form if form.is_submitted() else None)
    services.add_executor(organization(), form.name.data, by=_me())
    notify(messages.EXECUTOR_ADDED)
    return redirect(url_for("staff_team.executors"))


def _executor_or_404(executor_id: int):
    executor = services.executor_of(organization(), executor_id)
    if executor is None:
        abort(404)
    return executor


@bp.route("/executors/<int:executor_id>", methods=["GET", "POST"])
@staff_required("admin")
def rename_executor(executor_id):
    """Correct an executor's name."""
    executor = _executor_or_404(executor_id)
    form = ExecutorForm(obj=executor)
    if form.validate_on_submit():
        services.rename_executor(executor, form.name.data, by=_me())
        notify(messages.EXECUTOR_RENAMED)
        return redirect(url_for("staff_team.executors"))
    return render_template("staff/team/executor.html", executor=executor, form=form)


@bp.route("/executors/<int:executor_id>/active", methods=["POST"])
@staff_required("admin")
def toggle_executor(executor_id):
    """Hide an executor from new assignments, or bring them back."""
    executor = _executor_or_404(executor_id)
    if ActionForm().validate_on_submit():
        services.set_executor_active(executor, not executor.is_active, by=_me())
        notify(messages.EXECUTOR_ACTIVATED if executor.is_active else messages.EXECUTOR_DEACTIVATED)
    return redirect(url_for("staff_team.executors"))


# --- the second factor of the logged-in staff user ---------------------------------------------------------------


@bp.route("/2fa", methods=["GET", "POST"])
@staff_required(before_second_factor=True, platform=True)
def two_factor():
    """Turn the second factor on: scan the QR code, confirm with a first code, keep the recovery codes."""
    user = _me()
    if totp.is_enabled(user):
        return render_template(
            "staff/team/two_factor_on.html", form=CodeForm(formdata=None), left=totp.recovery_codes_left(user)
        )
    form = CodeForm()
    if form.validate_on_submit():
        try:
            recovery = totp.enable(user, form.code.data)
        except TooManyAttempts as refused:
            form.too_many(form.code, refused)
        else:
            if recovery is not None:
                # Shown in this answer only: the database keeps their digests, so a reload cannot show them again.
                return render_template("staff/team/recovery_codes.html", recovery=recovery)
            form.code.errors.append(str(messages.TOTP_CODE_WRONG.text))
    secret = totp.draft_secret(user)
    qr = totp.qr_code(user, secret)
    return render_template("staff/team/two_factor.html", form=form, secret=secret, qr=qr), form.http_status


@bp.route("/2fa/off", methods=["POST"])
@staff_required(before_second_factor=True, platform=True)
def two_factor_off():
    """Turn the second factor off with a current code, unless the organization requires it."""
    user = _me()
    if second_factor_required(user):
        notify(messages.TOTP_STILL_REQUIRED)
        return redirect(url_for("staff_team.two_factor"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            if totp.disable(user, form.code.data):
                notify(messages.TOTP_DISABLED)
                return redirect(url_for("staff_team.two_factor"))
        except TooManyAttempts as refused:
            form.too_many(form.code, refused)
        else:
            form.code.errors.append(str(messages.TOTP_CODE_WRONG.text))
    left = totp.recovery_codes_left(user)
    return render_template("staff/team/two_factor_on.html", form=form, left=left), form.http_status
