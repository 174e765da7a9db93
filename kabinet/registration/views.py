"""Registration ("Регистрация") and its confirmation by link or by code."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from kabinet import messages
from kabinet.auth.services import mailbox
from kabinet.limits import TooManyAttempts, per_address, per_recipient
from kabinet.messages import notify
from kabinet.registration import services
from kabinet.registration.forms import ConfirmCodeForm, RegistrationForm, ResendForm
from kabinet.registration.services import Outcome

bp = Blueprint("registration", __name__, url_prefix="/registration")

OUTCOME_MESSAGES = {
    Outcome.CONFIRMED: messages.CONFIRMED,
    Outcome.ALREADY_CONFIRMED: messages.ALREADY_CONFIRMED,
    Outcome.EXPIRED: messages.CONFIRM_LINK_EXPIRED,
    Outcome.INVALID: messages.CONFIRM_LINK_INVALID,
}


def _outcome_page(outcome: Outcome):
    confirmed = outcome in (Outcome.CONFIRMED, Outcome.ALREADY_CONFIRMED)
    return render_template("registration/confirmed.html", confirmed=confirmed, message=OUTCOME_MESSAGES[outcome])


@bp.route("/", methods=["GET", "POST"])
@per_address("RATELIMIT_REGISTRATION")
def register():
    """Create an inactive account and e-mail the confirmation."""
    if current_user.is_authenticated:
        return redirect(url_for("cabinet.home"))
    form = RegistrationForm()
    if form.validate_on_submit():
        fields = {name: form[name].data for name in services.REGISTRATION_FIELDS}
        try:
            services.register(**fields)
        except services.Taken:
            form.login.errors.append(str(messages.REGISTRATION_TAKEN.text))
        else:
            return redirect(url_for("registration.sent"))
    return render_template("registration/register.html", form=form)


@bp.route("/sent")
def sent():
    """The page after registering: check your mailbox."""
    return render_template("registration/sent.html", message=messages.REGISTERED)


@bp.route("/confirm/<token>")
def confirm_link(token):
    """Confirm by the link from the e-mail."""
    return _outcome_page(services.confirm_by_token(token))


@bp.route("/confirm", methods=["GET", "POST"])
@per_address("RATELIMIT_CODE")
def confirm_code():
    """Confirm by typing the login and the code from the e-mail."""
    form = ConfirmCodeForm(login=request.args.get("login", ""))
    if form.validate_on_submit():
        try:
            outcome = services.confirm_by_code(form.login.data, form.code.data)
        except TooManyAttempts as refused:
            form.too_many(form.code, refused)
        else:
            if outcome is not Outcome.INVALID:
                return _outcome_page(outcome)
            form.code.errors.append(str(messages.CONFIRM_CODE_WRONG.text))
    return render_template("registration/confirm_code.html", form=form), form.http_status


def _resent():
    notify(messages.CONFIRMATION_RESENT)
    return redirect(url_for("registration.confirm_code", login=request.form.get("login", "").strip()))


@bp.route("/resend", methods=["GET", "POST"])
@per_address("RATELIMIT_RECOVERY")
@per_recipient("RATELIMIT_MAILBOX", lambda: mailbox(request.form.get("login", "")), answer=_resent)
def resend():
    """Send the confirmation e-mail again; the answer is the same whoever asks."""
    form = ResendForm(login=request.args.get("login", ""))
    if form.validate_on_submit():
        services.resend_confirmation(form.login.data)
        return _resent()
    return render_template("registration/resend.html", form=form)
