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
RESET_LINK_USED = Message(
    _l(
        "Ссылка для смены пароля уже использована или недействительна. Введите логин и контрольную строку "
        "из последнего письма «Запрос на смену пароля»."
    ),
    "warning",
)
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
CODE_WORD_CHANGED = Message(
    _l("Кодовое слово лицевого счета сменилось, пока вы заполняли форму. Введите новое кодовое слово из письма."),
    "warning",
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
# the secret limiter (kabinet.limits): beside the field whose check was refused; %(wait)s is "через 42 минуты"
TOO_MANY_ATTEMPTS = Message(_l("Слишком много попыток. Попробуйте снова %(wait)s."), "danger")


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

# staff: dispatch
STAFF_DISPATCH_STATUS_CHANGED = Message(
    _l("Заявка № %(number)s: статус «%(status)s». Житель получит письмо."), "success"
)
STAFF_DISPATCH_ASSIGNED = Message(_l("Заявка № %(number)s передана исполнителю."), "success")
STAFF_DISPATCH_UNASSIGNED = Message(_l("С заявки № %(number)s снят исполнитель."), "success")
STAFF_DISPATCH_FILED = Message(_l("Заявка № %(number)s, принятая по телефону, добавлена в очередь."), "success")
STAFF_DISPATCH_STATUS_SET = Message(_l("Заявка № %(number)s: статус «%(status)s»."), "success")  # nobody to e-mail

# staff team: invitations, roles, blocking, the second factor, executors
TEAM_INVITED = Message(_l("Приглашение отправлено на %(email)s."), "success")
TEAM_ROLE_CHANGED = Message(_l("Роль сотрудника изменена."), "success")
TEAM_BLOCKED = Message(_l("Сотрудник заблокирован, все его сеансы завершены."), "success")
TEAM_UNBLOCKED = Message(_l("Сотрудник разблокирован."), "success")
TEAM_NOT_YOURSELF = Message(_l("Нельзя заблокировать себя или снять с себя роль администратора."), "danger")
TEAM_LAST_ADMIN = Message(_l("В организации должен остаться хотя бы один администратор."), "danger")
TEAM_TOTP_REQUIRED = Message(_l("Теперь все сотрудники должны включить двухфакторную аутентификацию."), "success")
TEAM_TOTP_OPTIONAL = Message(_l("Двухфакторная аутентификация больше не обязательна для сотрудников."), "success")
INVITATION_EXPIRED = Message(
    _l("Срок действия приглашения истёк. Попросите администратора пригласить вас ещё раз."), "warning"
)
INVITATION_INVALID = Message(_l("Ссылка приглашения повреждена или уже использована."), "danger")
INVITATION_ACCEPTED = Message(_l("Пароль задан. Войдите с логином %(login)s и новым паролем."), "success")
EXECUTOR_ADDED = Message(_l("Исполнитель добавлен."), "success")
EXECUTOR_RENAMED = Message(_l("Исполнитель переименован."), "success")
EXECUTOR_DEACTIVATED = Message(_l("Исполнитель скрыт из списка для новых заявок."), "success")
EXECUTOR_ACTIVATED = Message(_l("Исполнитель снова доступен для заявок."), "success")
TOTP_DISABLED = Message(_l("Двухфакторная аутентификация отключена."), "success")
TOTP_CODE_WRONG = Message(_l("Неверный код. Введите 6 цифр из приложения или код восстановления."), "danger")
TOTP_STILL_REQUIRED = Message(
    _l("Организация требует двухфакторную аутентификацию от всех сотрудников: отключить её нельзя."), "warning"
)
SECOND_FACTOR_REQUIRED = Message(
    _l("Организация требует двухфакторную аутентификацию: включите её, чтобы продолжить работу."), "warning"
)
SECOND_FACTOR_EXPIRED = Message(_l("Время на ввод кода истекло. Войдите ещё раз."), "warning")

# staff: accounts
STAFF_ACCOUNT_UNBOUND = Message(_l("Лицевой счет отвязан от профиля жителя %(name)s."), "success")
STAFF_METER_REPLACED = Message(_l("Счетчик заменён: старый снят с учёта, новый № %(serial)s принят."), "success")
STAFF_READING_CORRECTED = Message(_l("Показание исправлено. Житель увидит исправление и его причину."), "success")
STAFF_CODE_WORDS_NONE = Message(_l("У всех лицевых счетов этого дома уже есть кодовые слова: письма не нужны."), "info")
STAFF_BINDING_APPROVED = Message(_l("Заявка одобрена: лицевой счет № %(number)s привязан к профилю жителя."), "success")
STAFF_BINDING_REJECTED = Message(_l("Заявка отклонена. Житель увидит причину в личном кабинете."), "success")
STAFF_BINDING_DECIDED = Message(_l("По этой заявке уже принято решение."), "info")

# staff: tenants
TENANT_BLOCKED = Message(_l("Житель заблокирован: войти он не сможет, все его сеансы завершены."), "success")
TENANT_UNBLOCKED = Message(_l("Житель разблокирован и снова может войти."), "success")
TENANT_CONFIRMATION_SENT = Message(_l("Письмо для подтверждения регистрации отправлено на %(email)s."), "success")
TENANT_ALREADY_CONFIRMED = Message(_l("Регистрация жителя уже подтверждена: письмо не нужно."), "info")
TENANT_UNBOUND = Message(_l("Лицевой счёт отвязан от профиля жителя."), "success")

# staff: imports and exports
IMPORT_APPLIED = Message(
    _l("Файл «%(name)s» загружен: создано %(created)s, обновлено %(updated)s, без изменений %(unchanged)s."), "success"
)
IMPORT_UPLOAD_GONE = Message(_l("Загруженный файл не найден или устарел: загрузите его ещё раз."), "warning")
IMPORT_NOT_APPLIED = Message(_l("Файл не загружен, ничего не изменено: %(reason)s"), "danger")

# staff: content (the complaints book, feedback, announcements)
STAFF_BOOK_ANSWERED = Message(_l("Ответ сохранён. Автор записи получит письмо о нём."), "success")
STAFF_BOOK_ANSWER_SAVED = Message(_l("Ответ сохранён."), "success")  # the same text again, or nobody to e-mail
STAFF_BOOK_PUBLISHED = Message(_l("Запись с ответом опубликована: её видят жители домов компании."), "success")
STAFF_BOOK_UNPUBLISHED = Message(_l("Запись снята с публикации: жители её больше не видят."), "success")
STAFF_BOOK_NOT_ANSWERED = Message(_l("Опубликовать можно только запись с ответом. Сначала напишите ответ."), "warning")
STAFF_FEEDBACK_DONE = Message(_l("Сообщение отмечено как обработанное."), "success")
STAFF_FEEDBACK_REOPENED = Message(_l("Сообщение снова среди новых."), "success")
STAFF_ANNOUNCEMENT_SAVED = Message(_l("Объявление «%(title)s» сохранено."), "success")
STAFF_ANNOUNCEMENT_DELETED = Message(_l("Объявление удалено."), "success")
STAFF_ANNOUNCEMENT_EMAILED = Message(_l("Объявление поставлено в рассылку. Писем жителям: %(count)s."), "success")
STAFF_ANNOUNCEMENT_ALREADY_EMAILED = Message(_l("Это объявление уже разослано: второй раз его не отправить."), "info")
STAFF_ANNOUNCEMENT_NOBODY = Message(
    _l("Разослать некому: в домах объявления нет жителей с подтверждённым e-mail. Объявление не отмечено разосланным."),
    "warning",
)
TEAM_TOTP_RESET = Message(
    _l("Второй фактор сотрудника %(login)s выключен: он настроит его заново при следующем входе."), "success"
)

# social networks and OpenID Connect providers
SOCIAL_DENIED = Message(_l("Вход через %(provider)s отменён. Войдите с паролем или попробуйте ещё раз."), "warning")
SOCIAL_STATE_LOST = Message(
    _l("Вход через соцсеть не завершён: ссылка устарела или открыта не в том браузере. Попробуйте ещё раз."), "warning"
)
SOCIAL_FAILED = Message(
    _l("Не удалось войти через %(provider)s: ответ не прошёл проверку. Попробуйте ещё раз или войдите с паролем."),
    "danger",
)
SOCIAL_EMAIL_TAKEN = Message(
    _l("Пользователь с таким e-mail уже зарегистрирован: войдите с паролем и привяжите соцсеть в профиле"), "warning"
)
SOCIAL_STAFF = Message(_l("Сотрудники входят только с логином и паролем."), "danger")
SOCIAL_SIGNUP_EXPIRED = Message(_l("Время на регистрацию истекло. Войдите через соцсеть ещё раз."), "warning")
SOCIAL_REGISTERED = Message(_l("Регистрация завершена. Добро пожаловать в личный кабинет!"), "success")
SOCIAL_LINKED = Message(_l("Профиль %(provider)s привязан: теперь через него можно входить."), "success")
SOCIAL_ALREADY_LINKED = Message(_l("Этот профиль %(provider)s уже привязан к вашему личному кабинету."), "info")
SOCIAL_LINKED_ELSEWHERE = Message(
    _l("Этот профиль %(provider)s уже привязан к другому пользователю: привязать его ещё раз нельзя."), "danger"
)
SOCIAL_UNLINKED = Message(_l("Соцсеть отвязана от профиля."), "success")
SOCIAL_LINK_STALE = Message(
    _l("Профиль %(provider)s не привязан: пока шла привязка, данные входа изменились. Привяжите его ещё раз."),
    "warning",
)
SOCIAL_LAST_WAY = Message(
    _l("Это единственный способ входа: сначала задайте пароль или привяжите другую соцсеть."), "warning"
)
SOCIAL_NOT_FOUND = Message(_l("Такой привязки нет."), "warning")
SOCIAL_PASSWORD_SET = Message(_l("Пароль задан: теперь можно входить и с логином и паролем."), "success")

# a tenant filing too often (kabinet.limits.filed_too_often): the form comes back with what was typed; %(wait)s is
# "через 42 минуты"
DISPATCH_TOO_OFTEN = Message(
    _l(
        "Вы отправляете заявки слишком часто. Написанное осталось в форме: отправьте его %(wait)s, а фотографии "
        "тогда выберите заново. Если случилась авария, звоните в аварийно-диспетчерскую службу."
    ),
    "warning",
)
SUBMISSIONS_TOO_OFTEN = Message(
    _l("Вы отправляете слишком часто. Написанное осталось в форме: отправьте его %(wait)s."), "warning"
)

# issue 10: dispatch (deadlines, reopening, ratings, the dispatcher's comments)
DISPATCH_REOPENED = Message(
    _l("Заявка № %(number)s возвращена в работу. Диспетчер увидит, что не так, в её истории."), "success"
)
DISPATCH_ALREADY_REOPENED = Message(_l("Заявка уже возвращена в работу."), "info")
DISPATCH_REOPEN_TOO_LATE = Message(
    _l(
        "Вернуть заявку в работу можно было до %(until)s. Написанное осталось в форме комментария; "
        "если неисправность не устранена, отправьте новую заявку."
    ),
    "warning",
)
DISPATCH_REOPEN_NOT_DONE = Message(
    _l("Вернуть в работу можно только выполненную заявку. Написанное осталось в форме комментария."), "warning"
)
STAFF_DISPATCH_COMMENTED = Message(_l("Комментарий добавлен. Писем жителям: %(count)s."), "success")
STAFF_DISPATCH_COMMENT_SAVED = Message(
    _l("Комментарий добавлен в историю заявки. Письмо отправить некому: у заявки нет жителя с подтверждённым e-mail."),
    "success",
)
STAFF_DISPATCH_DEADLINES_SAVED = Message(_l("Сроки выполнения заявок сохранены."), "success")
STAFF_DISPATCH_DEADLINES_UNCHANGED = Message(_l("Сроки не изменились."), "info")

# issue 10: organization («Организация»: settings and houses)
ORGANIZATION_SAVED = Message(_l("Настройки организации сохранены."), "success")
ORGANIZATION_UNCHANGED = Message(_l("Ничего не изменилось: сохранять нечего."), "info")
HOUSE_ADDED = Message(_l("Дом «%(address)s» добавлен."), "success")
HOUSE_RENAMED = Message(_l("Адрес дома изменён: теперь везде «%(address)s»."), "success")

# issue 10: backoffice
TEAM_INVITATION_RESENT = Message(
    _l("Новое приглашение отправлено на %(email)s. Ссылки из прежних писем больше не действуют."), "success"
)
TEAM_INVITATION_REVOKED = Message(
    _l("Приглашение для %(email)s отозвано: ссылка из письма больше не действует, войти по ней нельзя."), "success"
)
TEAM_INVITATION_ACCEPTED = Message(_l("Сотрудник уже принял приглашение и задал пароль."), "info")
STAFF_ANNOUNCEMENT_ENDED = Message(
    _l("Объявление уже завершилось: разослать его нельзя. Продлите срок показа или напишите новое объявление."),
    "warning",
)
REGISTRATION_TOO_OFTEN = Message(
    _l(
        "С вашего адреса слишком много регистраций. Данные остались в форме: отправьте её %(wait)s, "
        "пароль введите заново."
    ),
    "warning",
)

# issue 11: the worker, health and status («Состояние системы»)
OUTBOX_RETRIED = Message(
    _l("Письмо на %(recipient)s снова в очереди: обработчик отправит его в ближайшие секунды."), "success"
)
OUTBOX_RETRIED_ALL = Message(
    _l("Снова в очереди писем: %(count)s. Обработчик отправит их в ближайшие секунды."), "success"
)
OUTBOX_NOTHING_TO_RETRY = Message(_l("Повторять нечего: писем с исчерпанными попытками нет."), "info")

# issue 12: documents («Документы»)
STAFF_DOCUMENT_PUBLISHED = Message(_l("Документ «%(title)s» опубликован. Писем жителям: %(count)s."), "success")
STAFF_DOCUMENT_SAVED = Message(_l("Документ «%(title)s» сохранён."), "success")
STAFF_DOCUMENT_UNCHANGED = Message(_l("В документе «%(title)s» ничего не изменилось."), "info")
STAFF_DOCUMENT_WITHDRAWN = Message(
    _l("Документ «%(title)s» снят с публикации: жители его больше не видят, ссылки из писем не открываются."), "success"
)

# issue 12: kz (the organization's country, Kazakh requisites)
ORGANIZATION_COUNTRY_CHANGED = Message(
    _l("Страна организации изменена. Заполните реквизиты её банка и проверьте часовой пояс."), "success"
)

# issue 12: platform
PLATFORM_ORGANIZATION_CREATED = Message(
    _l("Организация «%(name)s» создана. Пригласите её администратора: остальное он настроит сам."), "success"
)

# issue 12: tenant
ADDRESS_WAITING = Message(
    _l("Мы напишем на %(email)s, как только ваш КСК подключится к платформе."), "success"
)

# issue 13: telegram (the bot, linked from the profile)
TELEGRAM_UNLINKED = Message(_l("Telegram отключён: уведомления туда больше не приходят."), "success")
TELEGRAM_NOT_LINKED = Message(_l("Telegram не был подключён."), "info")
TELEGRAM_UNAVAILABLE = Message(
    _l("Telegram сейчас не отвечает, ссылку для подключения получить не удалось. Попробуйте через несколько минут."),
    "warning",
)
# Sent to the chat when the profile unlinks it.
TELEGRAM_FAREWELL = Message(
    _l("Telegram отключён от личного кабинета: уведомлений сюда больше не будет. Подключить снова можно в «Личных "
       "данных»."),
    "info",
)  # fmt: skip

# issue 13: reminders (notifications, their settings, unsubscribe)
NOTIFICATIONS_SAVED = Message(_l("Настройки уведомлений сохранены."), "success")
NOTIFICATIONS_UNCHANGED = Message(_l("В настройках уведомлений ничего не изменилось."), "info")
ORGANIZATION_NOTICES_SAVED = Message(_l("Уведомления жителям настроены."), "success")

# debt: country
# A change of country blanked the old country's requisites (staff.organization.services.moved): the admin types the
# new country's.
ORGANIZATION_REQUISITES_BLANKED = Message(
    _l(
        "Страна организации изменена. Реквизиты прежней страны удалены: %(fields)s. Заполните реквизиты новой "
        "страны и проверьте часовой пояс."
    ),
    "warning",
)

# debt: older
# A staff user who opened a tenant's page (/cabinet/, /balance/…) is sent to their back office with this.
STAFF_ON_TENANT_PAGE = Message(
    _l("Эта страница — для жителей: у сотрудника нет своих лицевых счетов. Счета, заявки и обращения жителей — в "
       "разделах кабинета сотрудника."),
    "info",
)  # fmt: skip
