"""/notifications/unsubscribe/<token>: the one-click unsubscribe of a notification e-mail, without a login."""

from flask import Blueprint, render_template, request

from kabinet import tokens
from kabinet.extensions import csrf
from kabinet.notifications import email

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" with no session; the token is the proof
def unsubscribe(token):
    """GET: a page with one button (mail scanners open links, they do not press buttons); POST: that kind's e-mails
    off."""
    try:
        wish = email.unsubscription(token)
    except tokens.Expired:
        return render_template("notifications/unsubscribe.html", state="expired"), 410
    except tokens.Invalid:
        return render_template("notifications/unsubscribe.html", state="invalid"), 404
    if request.method == "POST":
        email.unsubscribe(wish)
        return render_template("notifications/unsubscribe.html", state="done", wish=wish)
    return render_template("notifications/unsubscribe.html", state="confirm", wish=wish, token=token)
