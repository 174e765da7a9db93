"""The bot's side of a chat: an update from the webhook or from polling is answered in the user's language.

`/start <token>` links the chat, `/stop` unlinks it; a linked user has the keyboard «Баланс» and «Передать
показания» (kabinet.telegram.readings), and «Отмена» any time. Every answer is a queued message
(kabinet.telegram.outbox), written in the same transaction as what the update changed.
"""

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kabinet import messages
from kabinet.accounts import services as accounts
from kabinet.balance import services as balance
from kabinet.extensions import db
from kabinet.language import default_language, known, language_of, speaking
from kabinet.models import TelegramChat, TelegramConversation, User
from kabinet.telegram import readings, services
from kabinet.telegram.keyboards import BALANCE, CANCEL, READINGS, REMOVE, main, reply
from kabinet.telegram.services import Linking
from kabinet.urls import external_url

NOT_LINKED = _l(
    "Здравствуйте! Чтобы пользоваться ботом, подключите его в личном кабинете: «Личные данные» → "
    "Telegram → «Подключить»."
)
LINK_REFUSED = {
    Linking.UNKNOWN: _l("Эта ссылка не подходит. Откройте «Личные данные» в личном кабинете и нажмите «Подключить» "
                        "в разделе Telegram, чтобы получить новую."),
    Linking.USED: _l("Эта ссылка уже использована. Чтобы подключить Telegram ещё раз, получите новую ссылку в "
                     "«Личных данных» личного кабинета."),
    Linking.EXPIRED: _l("Срок действия ссылки истёк (она действует 30 минут). Получите новую в «Личных данных» "
                        "личного кабинета."),
}  # fmt: skip


def handle(update: dict) -> None:
    """Answer one Bot API update; anything but a text message in a private chat is ignored."""
    message = update.get("message") if isinstance(update, dict) else None
    if not isinstance(message, dict) or not isinstance(message.get("text"), str):
        return
    chat, sender = message.get("chat") or {}, message.get("from") or {}
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    # A group would show everyone in it the tenant's balance: the bot talks only in private chats.
    if not isinstance(chat_id, int) or isinstance(chat_id, bool) or chat.get("type") != "private":
        return
    text = message["text"].strip()[:200]
    linked = db.session.scalar(db.select(TelegramChat).where(TelegramChat.chat_id == chat_id))
    stranger_language = known(str(sender.get("language_code") or "")[:2]) if isinstance(sender, dict) else None
    language = language_of(linked.user) if linked else stranger_language or default_language()
    with speaking(language):
        command, _space, argument = text.partition(" ")
        if command == "/start" and argument.strip():
            _link(chat_id, argument.strip())
        elif command == "/stop":
            _stop(chat_id, linked)
        elif linked is None:
            reply(chat_id, str(NOT_LINKED))
        else:
            _converse(chat_id, linked.user, text)
    db.session.commit()


def _link(chat_id: int, token: str) -> None:
    outcome, user = services.link(chat_id, token)
    if user is None:
        reply(chat_id, str(LINK_REFUSED[outcome]))
        return
    with speaking(language_of(user)):
        reply(chat_id, _("Telegram подключён к личному кабинету, %(name)s. Здесь будут напоминания и уведомления; "
                         "кнопки ниже покажут баланс и примут показания счётчиков.", name=user.first_name),
              main())  # fmt: skip


def _stop(chat_id: int, linked: TelegramChat | None) -> None:
    if linked is None:
        reply(chat_id, _("Этот чат не подключён к личному кабинету."), REMOVE)
        return
    services.unlink(linked.user, str(messages.TELEGRAM_FAREWELL.text))


def _converse(chat_id: int, user: User, text: str) -> None:
    """A linked user's message: a button, a command, or an answer to the question asked."""
    conversation = db.session.get(TelegramConversation, chat_id) or TelegramConversation(chat_id=chat_id, step="")
    if text in (str(CANCEL), "/cancel"):
        readings.reset(conversation)
        reply(chat_id, _("Отменено."), main())
    elif text in (str(BALANCE), "/balance"):
        readings.reset(conversation)
        reply(chat_id, balances(user), main())
    elif text in (str(READINGS), "/readings"):
        readings.start(conversation, user)
    elif conversation.step:
        readings.answer(conversation, user, text)
    else:
        reply(chat_id, _("Выберите действие кнопкой ниже."), main())


def balances(user: User) -> str:
    """Each bound account's balance today, in its organization's currency."""
    statements = [(b.account, balance.statement(b.account).balance) for b in accounts.bindings(user)]
    link = external_url("balance.index")
    return render_template("telegram/replies/balance.txt", statements=statements, link=link).strip()
