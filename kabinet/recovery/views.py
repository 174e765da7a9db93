"""Password recovery ("Восстановление пароля") and the change form ("Смена пароля")."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kabinet import messages
from kabinet.auth.services import mailbox
from kabinet.forms import ButtonForm
from kabinet.limits import per_address, per_recipient
from kabinet.messages import notify
from kabinet.recovery import services
from kabinet.recovery.forms import ChangeForm, RequestForm
from kabinet.recovery.services import Outcome

bp = Blueprint("recovery", __name__, url_prefix="/recovery")


def _sent():
    notify(messages.RESET_SENT)
    return redirect(url_for("recovery.change"))


@bp.route("/", methods=["GET", "POST"])
@per_address("RATELIMIT_RECOVERY")
@per_recipient("RATELIMIT_MAILBOX", lambda: mailbox(request.form.get("login", "")), answer=_sent)
def request_reset():
    """E-mail a control string; the same answer, after the same work, whether or not such a user exists."""
    form = RequestForm()
    if form.validate_on_submit():
        services.request_reset(form.login.data)
        return _sent()
    return render_template("recovery/request.html", form=form)


@bp.route("/change", methods=["GET", "POST"])
@per_address("RATELIMIT_CODE")
def change():
    """Set a new password with the login and the control string, or after the e-mailed link."""
    form = ChangeForm(granted=services.granted())
    if form.validate_on_submit():
        services.reset_password(form.user, form.password.data)
        notify(messages.PASSWORD_RESET)
        return redirect(url_for("auth.login"))
    return render_template("recovery/change.html", form=form), form.http_status


@bp.route("/change/<token>", methods=["GET", "POST"])
def change_link(token):
    """The link from the e-mail: its page asks to continue, and continuing spends the link and opens the form."""
    if services.granted() is not None:  # this browser has continued from it already
        return redirect(url_for("recovery.change"))
    form = ButtonForm()
    outcome = services.open_link(token) if form.validate_on_submit() else services.read_link(token)[0]
    if outcome is Outcome.EXPIRED:
        notify(messages.RESET_EXPIRED)
        return redirect(url_for("recovery.request_reset"))
    if outcome is Outcome.WRONG:
        notify(messages.RESET_LINK_USED)
        return redirect(url_for("recovery.change"))
    if form.is_submitted():
        return redirect(url_for("recovery.change"))
    text = _("Чтобы задать новый пароль, нажмите «Продолжить». Ссылка из письма сработает один раз.")
    return render_template("continue_link.html", form=form, title=_("Смена пароля"), text=text)
