"""`flask --app wsgi telegram set-webhook URL` and `delete-webhook`: tell Telegram where updates go."""

import click
from flask import current_app
from flask_babel import gettext as _

from kabinet.language import CommandGroup
from kabinet.telegram import client

telegram_cli = CommandGroup("telegram", help="The Telegram bot.")


@telegram_cli.command("set-webhook")
@click.argument("url")
def set_webhook(url):
    """Have Telegram post the bot's updates to URL (BASE_URL/telegram/webhook), with TELEGRAM_WEBHOOK_SECRET."""
    config = current_app.config
    if not config["TELEGRAM_BOT_TOKEN"] or not config["TELEGRAM_WEBHOOK_SECRET"]:
        raise click.ClickException(_("Задайте TELEGRAM_BOT_TOKEN и TELEGRAM_WEBHOOK_SECRET."))
    if not url.startswith("https://"):
        raise click.ClickException(_("Telegram отправляет обновления только на адрес https://."))
    _call("setWebhook", url=url, secret_token=config["TELEGRAM_WEBHOOK_SECRET"], allowed_updates=["message"])
    click.echo(_("Telegram будет отправлять обновления на %(url)s.", url=url))


@telegram_cli.command("delete-webhook")
def delete_webhook():
    """Stop the webhook, as TELEGRAM_MODE=polling needs (getUpdates is refused while a webhook is set)."""
    if not current_app.config["TELEGRAM_BOT_TOKEN"]:
        raise click.ClickException(_("Задайте TELEGRAM_BOT_TOKEN."))
    _call("deleteWebhook")
    click.echo(_("Вебхук удалён: обновления можно получать опросом (TELEGRAM_MODE=polling)."))


def _call(method: str, **params) -> None:
    """A Bot API call whose failure is told in words, not as a traceback."""
    try:
        client.call(method, **params)
    except Exception as error:  # noqa: BLE001 -- a refusal or an unreachable Bot API: either way the command failed
        raise click.ClickException(_("Telegram отказал: %(error)s", error=error)) from error
