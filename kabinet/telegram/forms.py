"""The profile's Telegram buttons: empty forms, a POST with the CSRF token."""

from kabinet.forms import Form


class TelegramForm(Form):
    """«Подключить» or «Отключить»."""
