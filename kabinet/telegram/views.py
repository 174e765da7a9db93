"""The bot's web side: the webhook Telegram posts updates to, and the profile's «Подключить» / «Отключить»."""

import hmac
from types import SimpleNamespace

import requests
from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from flask_login import current_user, login_required

from kabinet import messages
from kabinet.extensions import csrf, db
from kabinet.messages import notify
from kabinet.telegram import client, conversation, services
from kabinet.telegram.forms import TelegramForm

bp = Blueprint("telegram", __name__, url_prefix="/telegram")
PENDING_LINK = "telegram.link"  # the deep link just made, shown on the profile until it expires or is used


@bp.before_request
def _only_with_a_bot():
    """Without TELEGRAM_BOT_TOKEN the feature does not exist."""
    if not client.enabled():
        abort(404)


@bp.route("/webhook", methods=["POST"])
@csrf.exempt  # Telegram's own secret header stands for the CSRF token
def webhook():
    """An update from Telegram, trusted only with the secret set by `flask telegram set-webhook`."""
    config = current_app.config
    if config["TELEGRAM_MODE"] != "webhook":
        abort(404)
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(given.encode(), config["TELEGRAM_WEBHOOK_SECRET"].encode()):
        abort(403)
    update = request.get_json(silent=True)
    if not isinstance(update, dict):
        abort(400)
    conversation.handle(update)
    return "", 204


@bp.route("/link", methods=["POST"])
@login_required
def link():
    """«Подключить»: a new single-use deep link, shown on the profile for 30 minutes."""
    if TelegramForm().validate_on_submit():
        try:
            url = services.deep_link(current_user)
        except (client.TelegramError, requests.RequestException):
            db.session.rollback()
            notify(messages.TELEGRAM_UNAVAILABLE)
        else:
            session[PENDING_LINK] = {"u": current_user.id, "url": url}
    return redirect(url_for("profile.index", _anchor="telegram-title"))


@bp.route("/unlink", methods=["POST"])
@login_required
def unlink():
    """«Отключить»: the chat gets no more messages and the bot forgets it."""
    if TelegramForm().validate_on_submit():
        farewell = str(messages.TELEGRAM_FAREWELL.text)
        notify(messages.TELEGRAM_UNLINKED if services.unlink(current_user, farewell) else messages.TELEGRAM_NOT_LINKED)
        db.session.commit()
    return redirect(url_for("profile.index", _anchor="telegram-title"))


@bp.app_template_global("telegram_section")
def section():
    """What the profile's Telegram block shows (templates/telegram/_profile.html); None without a bot."""
    if not client.enabled() or not current_user.is_authenticated:
        return None
    linked = services.is_linked(current_user)
    pending = session.get(PENDING_LINK)
    mine = isinstance(pending, dict) and pending.get("u") == current_user.id
    fresh = mine and not linked and services.usable(str(pending.get("url")).rpartition("=")[2])
    if pending and not fresh:
        session.pop(PENDING_LINK, None)
    return SimpleNamespace(linked=linked, link=pending["url"] if fresh else None, form=TelegramForm(formdata=None))
