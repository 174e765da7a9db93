"""Registration ("Регистрация") and its confirmation by link or by code."""

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user

from kabinet import messages
from kabinet.auth.services import mailbox
from kabinet.extensions import client_address
from kabinet.limits import TooManyAttempts, counted_too_often, per_address, per_recipient, used_up
from kabinet.messages import notify
from kabinet.registration import services
from kabinet.registration.forms import ConfirmCodeForm, RegistrationForm, ResendForm
from kabinet.registration.services import Outcome

bp = Blueprint("registration", __name__, url_prefix="/registration")
SENT_TO = "registration.login"  # the session's note of the login just registered

OUTCOME_MESSAGES = {
    Outcome.CONFIRMED: messages.CONFIRMED,
    Outcome.ALREADY_CONFIRMED: messages.ALREADY_CONFIRMED,
    Outcome.EXPIRED: messages.CONFIRM_LINK_EXPIRED,
    Outcome.INVALID: messages.CONFIRM_LINK_INVALID,
}


def _outcome_page(outcome: Outcome):
    confirmed = outcome in (Outcome.CONFIRMED, Outcome.ALREADY_CONFIRMED)
    return render_template("registration/confirmed.html", confirmed=confirmed, message=OUTCOME_MESSAGES[outcome])


def _counters() -> dict[str, str]:
    return {"RATELIMIT_REGISTRATION": f"address:{client_address()}"}


@bp.route("/", methods=["GET", "POST"])
def register():
    """Create an inactive account and e-mail the confirmation. Only what a bot does counts toward the address's
    RATELIMIT_REGISTRATION; past it, every POST gets the form back as typed (429) with the time to wait."""
    if current_user.is_authenticated:
        return redirect(url_for("cabinet.home"))
    form, valid = RegistrationForm(), False
    if form.is_submitted():
        wait = used_up(_counters())
        if not wait:
            valid = form.validate()
            # A registration, or an answer that tells which logins and e-mails exist; not a person fixing a typo.
            wait = (valid or form.names_taken) and counted_too_often(_counters())
        if wait:
            notify(messages.REGISTRATION_TOO_OFTEN, wait=wait)
            # A fresh form of what was typed (never the passwords), without a verdict on it that would tell.
            return render_template("registration/register.html", form=RegistrationForm()), 429
    if valid:
        try:
            fields = {name: form[name].data for name in services.REGISTRATION_FIELDS}
            services.register(language=str(get_locale()), **fields | {"login": form.chosen_login})
        except services.Taken:
            (form.login if form.login.data else form.email).errors.append(str(messages.REGISTRATION_TAKEN.text))
        else:
            session[SENT_TO] = form.chosen_login  # for the "sent" page's links, kept off its address
            return redirect(url_for("registration.sent"))
    return render_template("registration/register.html", form=form)


@bp.route("/sent")
def sent():
    """The page after registering: check your mailbox, or type the code (the form knows the login)."""
    return render_template("registration/sent.html", message=messages.REGISTERED, login=session.get(SENT_TO, ""))


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
