"""The profile ("Личные данные"): details, password, e-mail, the list of sessions, and «Уведомления»."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from kabinet import messages, social
from kabinet.accounts import services as accounts
from kabinet.accounts.forms import ConfirmForm
from kabinet.auth import services as auth
from kabinet.extensions import db
from kabinet.limits import per_recipient
from kabinet.messages import notify
from kabinet.notifications import services as notices
from kabinet.notifications.forms import choices_form
from kabinet.profile import services
from kabinet.profile.forms import DetailsForm, EmailForm, EndSessionsForm, PasswordForm

bp = Blueprint("profile", __name__, url_prefix="/profile")


def _page(details=None, password=None, email=None):
    """The profile page, with the form that failed showing its errors and the others fresh."""
    user = current_user._get_current_object()
    failed = details or password or email
    return render_template(
        "profile/index.html",
        details=details or DetailsForm(user, obj=user, formdata=None),
        password=password or PasswordForm(user, formdata=None),
        email=email or EmailForm(user, formdata=None),
        end_sessions=EndSessionsForm(formdata=None),
        sessions=auth.active_sessions(user),
        bindings=accounts.bindings(user),
        unbind=ConfirmForm(formdata=None),
        social=social.profile_section(user),
    ), (failed.http_status if failed else 200)


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """See and edit the name and phones."""
    form = DetailsForm(current_user._get_current_object())
    if form.validate_on_submit():
        services.update_details(current_user, **{name: form[name].data for name in services.DETAIL_FIELDS})
        notify(messages.PROFILE_SAVED)
        return redirect(url_for("profile.index"))
    return _page(details=form if form.is_submitted() else None)


@bp.route("/password", methods=["POST"])
@login_required
def password():
    """Change the password; the current one is asked even of a remembered login."""
    form = PasswordForm(current_user._get_current_object())
    if form.validate_on_submit():
        services.change_password(current_user, form.password.data)
        notify(messages.PASSWORD_CHANGED)
        return redirect(url_for("profile.index"))
    return _page(password=form)


@bp.route("/email", methods=["POST"])
@login_required
@per_recipient("RATELIMIT_MAILBOX", lambda: request.form.get("email", "").strip().lower())
def email():
    """Ask to change the e-mail: the new address must confirm it."""
    form = EmailForm(current_user._get_current_object())
    if form.validate_on_submit():
        services.request_email_change(current_user, form.email.data)
        notify(messages.EMAIL_CHANGE_SENT)
        return redirect(url_for("profile.index"))
    return _page(email=form)


@bp.route("/email/confirm/<token>")
def confirm_email(token):
    """The link sent to the new address."""
    notify(messages.EMAIL_CHANGED if services.confirm_email_change(token) else messages.EMAIL_LINK_INVALID)
    return redirect(url_for("profile.index") if current_user.is_authenticated else url_for("auth.login"))


@bp.route("/sessions/end", methods=["POST"])
@login_required
def end_other_sessions():
    """Log out every other browser."""
    if EndSessionsForm().validate_on_submit():
        auth.end_sessions(current_user, keep=current_user.current_session)
        notify(messages.SESSIONS_ENDED)
    return redirect(url_for("profile.index"))


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    """«Уведомления»: which kinds come on which channel; the Telegram column only where the bot is configured."""
    user = current_user._get_current_object()
    channels = notices.shown_channels()
    form = choices_form(channels, notices.choices(user))
    if form.validate_on_submit():
        changed = notices.choose(user, form.chosen())
        db.session.commit()
        notify(messages.NOTIFICATIONS_SAVED if changed else messages.NOTIFICATIONS_UNCHANGED)
        return redirect(url_for("profile.notifications"))
    return render_template("profile/notifications.html", form=form, channels=channels, kinds=notices.KINDS)
