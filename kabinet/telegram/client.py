"""The Bot API client: one HTTPS call per method, its answer or an error that says whether to retry and when.

The address comes from TELEGRAM_API_URL, so the tests talk to a fake on 127.0.0.1 (tests/telegram_fake.py).
"""

import requests
from flask import current_app

TIMEOUT = 15  # seconds: a Bot API that accepts and stays silent must not hold the worker
_usernames: dict[str, str] = {}  # getMe's answer, per token, for the life of the process


class TelegramError(Exception):
    """The Bot API refused a call: its HTTP status, its description, and for 429 the seconds to wait."""

    def __init__(self, status: int, description: str, retry_after: int | None = None):
        super().__init__(f"{status} {description}")
        self.status, self.description, self.retry_after = status, description, retry_after

    @property
    def blocked(self) -> bool:
        """Whether the user blocked the bot (or the chat is gone): nothing can reach them there any more."""
        return self.status == 403


def enabled() -> bool:
    """Whether the installation has a bot at all: without a token the feature is invisible."""
    return bool(current_app.config["TELEGRAM_BOT_TOKEN"])


def call(method: str, **params):
    """Call a Bot API method with JSON parameters; its `result`. Raises TelegramError for a refusal and
    requests.RequestException when the Bot API cannot be reached."""
    config = current_app.config
    url = f"{config['TELEGRAM_API_URL'].rstrip('/')}/bot{config['TELEGRAM_BOT_TOKEN']}/{method}"
    response = requests.post(url, json=params, timeout=TIMEOUT)
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.ok and answer.get("ok"):
        return answer.get("result")
    parameters = answer.get("parameters") or {}
    description = str(answer.get("description") or response.reason)
    raise TelegramError(response.status_code, description, parameters.get("retry_after"))


def bot_username() -> str:
    """The bot's @username for deep links: TELEGRAM_BOT_USERNAME, else getMe's, asked once per process."""
    config = current_app.config
    if config["TELEGRAM_BOT_USERNAME"]:
        return config["TELEGRAM_BOT_USERNAME"].lstrip("@")
    token = config["TELEGRAM_BOT_TOKEN"]
    if token not in _usernames:
        _usernames[token] = call("getMe")["username"]
    return _usernames[token]
