"""Every message a user is shown after an action, with its Bootstrap category, in one table.

Views flash these and tests assert them, so a wording changes in one place.
"""

from typing import NamedTuple

from flask import flash
from flask_babel import lazy_gettext as _l


def N_(text: str) -> str:
    """Mark a string for the catalog where it must stay a plain string; gettext() translates it when shown."""
    return text


class Message(NamedTuple):
    text: object
    category: str


# registration
REGISTERED = Message(
    _l(
        "На email, указанный вами при регистрации было отправлено письмо. "
        "Пожалуйста, перейдите по ссылке в письме для подтверждения регистрации"
    ),
    "info",
)
REGISTRATION_TAKEN = Message(
    _l("Этот логин или e-mail только что заняли. Проверьте данные и попробуйте ещё раз."), "danger"
)
CONFIRMED = Message(_l("Регистрация пользователя успешно подтверждена."), "success")
ALREADY_CONFIRMED = Message(_l("Регистрация уже подтверждена. Вы можете войти в личный кабинет."), "info")
CONFIRM_LINK_EXPIRED = Message(_l("Срок действия ссылки истёк. Запросите новое письмо для подтверждения."), "warning")
CONFIRM_LINK_INVALID = Message(
    _l("Ссылка для подтверждения повреждена или недействительна. Запросите новое письмо."), "danger"
)
CONFIRM_CODE_WRONG = Message(_l("Неверный логин или код подтверждения, либо срок действия кода истёк."), "danger")
CONFIRMATION_RESENT = Message(
    _l("Если такой пользователь зарегистрирован и не подтверждён, мы отправили ему новое письмо для подтверждения."),
    "info",
)

# login
LOGIN_FAILED = Message(
    _l(
        "Неверный логин или пароль. Проверьте текущую раскладку клавиатуры (русский или английский), "
        "а также не нажата ли клавиша Caps Lock."
    ),
    "danger",
)
NOT_CONFIRMED = Message(
    _l("Регистрация не подтверждена. Перейдите по ссылке из письма или введите код подтверждения."), "warning"
)
LOGGED_OUT = Message(_l("Вы вышли из личного кабинета."), "info")

# recovery
RESET_SENT = Message(
    _l(
        "Контрольная строка, а также ваши регистрационные данные были высланы по E-Mail. "
        "Пожалуйста, дождитесь письма, так как контрольная строка изменяется при каждом запросе."
    ),
    "info",
)
RESET_WRONG = Message(_l("Неверный логин или контрольная строка."), "danger")
RESET_EXPIRED = Message(_l("Срок действия контрольной строки истёк. Запросите новую."), "warning")
RESET_LINK_INVALID = Message(_l("Ссылка для смены пароля повреждена или уже недействительна."), "danger")
PASSWORD_RESET = Message(_l("Пароль изменён. Войдите с новым паролем."), "success")

# profile
PROFILE_SAVED = Message(_l("Личные данные сохранены."), "success")
PASSWORD_CHANGED = Message(_l("Пароль изменён. Остальные сеансы завершены."), "success")
EMAIL_CHANGE_SENT = Message(
    _l("На новый адрес отправлено письмо. Адрес изменится, когда вы перейдёте по ссылке из письма."), "info"
)
EMAIL_CHANGED = Message(_l("Адрес электронной почты изменён."), "success")
EMAIL_LINK_INVALID = Message(_l("Ссылка для смены адреса недействительна или устарела."), "danger")
SESSIONS_ENDED = Message(_l("Все остальные сеансы завершены."), "success")

# accounts
CODE_WORD_WRONG = Message(_l("Неверный лицевой счет или кодовое слово"), "danger")
CODE_WORD_LIMIT = Message(
    _l("Слишком много неверных попыток. Попробуйте через час или обратитесь в офис компании."), "danger"
)
ALREADY_BOUND = Message(_l("Этот лицевой счет уже привязан к вашему профилю."), "info")
ACCOUNTS_BOUND = Message(_l("Лицевые счета привязаны и теперь видны в личном кабинете."), "success")
BINDING_REQUESTED = Message(
    _l("Заявка на привязку по адресу отправлена. Лицевой счет появится в кабинете, когда её одобрит компания."),
    "info",
)
ACCOUNT_UNBOUND = Message(_l("Лицевой счет отвязан от вашего профиля."), "success")

# anywhere
FORM_EXPIRED = Message(_l("Форма устарела. Обновите страницу и отправьте её ещё раз."), "warning")


def notify(message: Message, **params) -> None:
    """Flash one of the messages above."""
    text = str(message.text)
    flash(text % params if params else text, message.category)


# book and contacts (книга жалоб и предложений, обратная связь)
BOOK_ENTRY_SAVED = Message(
    _l("Запись добавлена в книгу жалоб и предложений. Ответ компании появится на этой странице."), "success"
)
FEEDBACK_SENT = Message(_l("Сообщение отправлено. Мы ответим по указанному e-mail или телефону."), "success")

# readings
READINGS_SAVED = Message(_l("Показания приняты. Спасибо!"), "success")
READINGS_CLOSED = Message(_l("Приём показаний закрыт. Следующий приём откроется %(date)s."), "warning")

# dispatch
DISPATCH_FILED = Message(
    _l("Заявка № %(number)s принята. Диспетчер свяжется с вами; об изменениях мы сообщим по e-mail."), "success"
)
DISPATCH_ALREADY_FILED = Message(_l("Такая заявка уже принята: № %(number)s. Повторно отправлять её не нужно."), "info")
DISPATCH_COMMENTED = Message(_l("Комментарий добавлен."), "success")
DISPATCH_COMMENTS_CLOSED = Message(_l("Заявка отменена: комментарии к ней больше не принимаются."), "warning")
DISPATCH_CANCELLED = Message(_l("Заявка отменена."), "success")
DISPATCH_NOT_CANCELLED = Message(
    _l("Заявку уже нельзя отменить: диспетчер взял её в работу. Если она больше не нужна, позвоните диспетчеру."),
    "warning",
)
DISPATCH_RATED = Message(_l("Спасибо за оценку!"), "success")
DISPATCH_NOT_RATED = Message(_l("Оценить можно только выполненную заявку, и только один раз."), "warning")

# staff
ACCOUNT_BLOCKED = Message(_l("Учётная запись заблокирована. Обратитесь в офис компании."), "danger")
