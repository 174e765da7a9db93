"""Password recovery ("Восстановление пароля") and the change form ("Смена пароля")."""

from flask import Blueprint, redirect, render_template, url_for

from kabinet import messages
from kabinet.limits import per_address, per_login
from kabinet.messages import notify
from kabinet.recovery import services
from kabinet.recovery.forms import ChangeForm, RequestForm
from kabinet.recovery.services import Outcome

bp = Blueprint("recovery", __name__, url_prefix="/recovery")


@bp.route("/", methods=["GET", "POST"])
@per_address("RATELIMIT_RECOVERY")
@per_login("RATELIMIT_RECOVERY")
def request_reset():
    """E-mail a control string; the same answer whether or not such a user exists."""
    form = RequestForm()
    if form.validate_on_submit():
        services.request_reset(form.login.data)
        notify(messages.RESET_SENT)
        return redirect(url_for("recovery.change"))
    return render_template("recovery/request.html", form=form)


@bp.route("/change", methods=["GET", "POST"])
@per_address("RATELIMIT_CODE")
@per_login("RATELIMIT_CODE")
def change():
    """Set a new password with the login and the control string."""
    form = ChangeForm()
    if form.validate_on_submit():
        services.reset_password(form.user, form.password.data)
        notify(messages.PASSWORD_RESET)
        return redirect(url_for("auth.login"))
    return render_template("recovery/change.html", form=form)


@bp.route("/change/<token>")
def change_link(token):
    """The link from the e-mail: the change form with the login and control string filled in."""
    outcome, login, control = services.read_link(token)
    if outcome is not Outcome.VALID:
        notify(messages.RESET_EXPIRED if outcome is Outcome.EXPIRED else messages.RESET_LINK_INVALID)
        return redirect(url_for("recovery.request_reset"))
    return render_template("recovery/change.html", form=ChangeForm(login=login, control=control))
