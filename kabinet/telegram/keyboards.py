"""The bot's buttons and how an answer is queued: shared by the conversation and the readings flow."""

from flask_babel import lazy_gettext as _l

from kabinet.telegram import outbox

BALANCE, READINGS, CANCEL = _l("Баланс"), _l("Передать показания"), _l("Отмена")
SKIP, CONFIRM, RETYPE = _l("Пропустить"), _l("Да, сохранить"), _l("Нет, ввести заново")
REMOVE = {"remove_keyboard": True}


def keyboard(*rows: list) -> dict:
    """A reply keyboard of these rows of labels, in the language in force."""
    return {"keyboard": [[{"text": str(label)} for label in row] for row in rows], "resize_keyboard": True}


def main() -> dict:
    """The keyboard of a linked chat at rest."""
    return keyboard([BALANCE, READINGS])


def reply(chat_id: int, text: str, markup: dict | None = None) -> None:
    """Queue an answer to the chat, in the update's transaction."""
    outbox.queue(chat_id, text, markup)
