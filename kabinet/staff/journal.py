"""The audit log as the admin reads it: an organization's events, newest first, narrowed by the filters.

An event belongs to the organization when its user is one of its staff or of its tenants (see
kabinet.staff.tenants.services); events with no user (a failed login with an unknown name, a rate limit) belong to
the installation, so the installation's own organization sees them.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from sqlalchemy import and_, func, or_, select

from kabinet import audit
from kabinet.extensions import db
from kabinet.models import AuditEvent, Organization, User
from kabinet.models.user import PLATFORM_ROLE
from kabinet.organizations import default_organization
from kabinet.staff.tenants.services import in_organization

PER_PAGE = 50

# How the log names what happened: every action the app records (tests/test_staff_dashboard.py checks the code for
# one without a label); an action without a label here is shown as recorded.
ACTION_LABELS = {
    audit.LOGIN: _l("Вход"),
    audit.LOGIN_FAILED: _l("Неудачный вход"),
    "login_second_factor_failed": _l("Неверный код второго фактора"),
    audit.LOGOUT: _l("Выход"),
    audit.RATE_LIMITED: _l("Слишком много попыток"),
    audit.PASSWORD_CHANGED: _l("Смена пароля"),
    audit.PASSWORD_RESET: _l("Восстановление пароля"),
    audit.PASSWORD_RESET_REQUESTED: _l("Запрос на восстановление пароля"),
    audit.CODE_WORD_FAILED: _l("Неверное кодовое слово"),
    "totp.enabled": _l("Двухфакторная защита включена"),
    "totp.disabled": _l("Двухфакторная защита отключена"),
    "totp.reset": _l("Двухфакторная защита сброшена"),
    "team.invite": _l("Сотрудник приглашён"),
    "team.role": _l("Роль сотрудника изменена"),
    "team.block": _l("Сотрудник заблокирован"),
    "team.unblock": _l("Сотрудник разблокирован"),
    "team.resend": _l("Приглашение отправлено ещё раз"),
    "team.revoke": _l("Приглашение отозвано"),
    "team.require_2fa": _l("Требование двухфакторной защиты"),
    "executor.add": _l("Исполнитель добавлен"),
    "executor.rename": _l("Исполнитель переименован"),
    "executor.activate": _l("Исполнитель снова работает"),
    "executor.deactivate": _l("Исполнитель больше не работает"),
    "tenant.block": _l("Житель заблокирован"),
    "tenant.unblock": _l("Житель разблокирован"),
    "tenant.resend": _l("Повторное письмо для подтверждения"),
    "tenant.unbind": _l("Лицевой счёт отвязан от жителя"),
    "account.unbind": _l("Житель отвязан от лицевого счёта"),
    "binding.approve": _l("Заявка на привязку одобрена"),
    "binding.reject": _l("Заявка на привязку отклонена"),
    "codeword.issue": _l("Новое кодовое слово"),
    "codeword.generate": _l("Кодовые слова дома"),
    "meter.replace": _l("Замена счётчика"),
    "reading.correct": _l("Исправление показания"),
    "readings.export": _l("Выгрузка показаний"),
    "import.apply": _l("Загрузка данных"),
    "dispatch.new_by_phone": _l("Заявка по телефону"),
    "dispatch.assign": _l("Назначен исполнитель заявки"),
    "dispatch.status": _l("Смена статуса заявки"),
    "dispatch.comment": _l("Комментарий диспетчера к заявке"),
    "dispatch.deadlines": _l("Сроки заявок изменены"),
    "book.answer": _l("Ответ в книге жалоб"),
    "book.publish": _l("Запись книги жалоб опубликована"),
    "book.unpublish": _l("Запись книги жалоб скрыта"),
    "feedback.done": _l("Обращение обработано"),
    "feedback.reopen": _l("Обращение снова открыто"),
    "announcement.create": _l("Объявление создано"),
    "announcement.update": _l("Объявление изменено"),
    "announcement.delete": _l("Объявление удалено"),
    "announcement.email": _l("Объявление разослано по почте"),
    "document.publish": _l("Документ опубликован"),
    "document.update": _l("Документ изменён"),
    "document.delete": _l("Документ снят с публикации"),
    "organization.update": _l("Настройки организации изменены"),
    "organization.notices": _l("Уведомления жителям настроены"),  # issue 13
    "house.add": _l("Дом добавлен"),
    "house.rename": _l("Адрес дома изменён"),
    "status.retry": _l("Письмо снова поставлено в очередь"),
    "status.retry_all": _l("Все неотправленные письма снова поставлены в очередь"),
    "platform.create": _l("Организация создана на платформе"),
}

# What a recorded row ("users:6", see kabinet.audit) is called in the log: «пользователь № 6».
TARGET_NOUNS = {
    "users": _l("пользователь"),
    "account_number": _l("лицевой счёт"),  # the number typed, e.g. 100101
    "buildings": _l("дом"),
    "meters": _l("счётчик"),
    "readings": _l("показание"),
    "dispatch_requests": _l("заявка"),
    "binding_requests": _l("заявка на привязку"),
    "book_entries": _l("запись книги жалоб"),
    "feedback": _l("обращение"),
    "announcements": _l("объявление"),
    "documents": _l("документ"),
    "executors": _l("исполнитель"),
    "organizations": _l("организация"),
    "outbox_messages": _l("письмо"),
}


def label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def target(recorded: str) -> str:
    """ "users:6" as «пользователь № 6»; any other text (a page, a month, a file's name) as recorded."""
    table, colon, key = recorded.partition(":")
    if table == "accounts" and key:  # a row's id, not the number the staff know the account by
        return _("лицевой счёт, запись %(id)s", id=key)
    noun = TARGET_NOUNS.get(table)
    return f"{noun} № {key}" if noun and key else recorded


@dataclass(frozen=True)
class LogFilter:
    """What the admin narrowed the log to; empty values mean "any"."""

    action: str = ""
    login: str = ""
    ip: str = ""
    since: date | None = None
    until: date | None = None


def in_organization_log(organization: Organization):
    """A condition on AuditEvent: the event belongs to the organization (see the module's docstring)."""
    installation = organization.id == default_organization().id
    works_here = User.organization_id == organization.id
    if installation:  # staff without an organization work for the installation's (kabinet.staff.access)...
        # ...but the platform administrator's events are about every organization: no organization's to read
        works_here = or_(works_here, User.organization_id.is_(None) & (User.role != PLATFORM_ROLE))
    staff_here = and_(User.role.is_not(None), works_here)
    mine = AuditEvent.user_id.in_(select(User.id).where(or_(staff_here, in_organization(organization))))
    return or_(mine, AuditEvent.user_id.is_(None)) if installation else mine


def actions(organization: Organization) -> list[str]:
    """The actions the organization's log holds, for the filter's list (one query; a few dozen at most)."""
    query = select(AuditEvent.action).where(in_organization_log(organization)).distinct().order_by(AuditEvent.action)
    return list(db.session.scalars(query))


def events(organization: Organization, chosen: LogFilter, page: int):
    """A page of the organization's events matching the filters, newest first."""
    query = select(AuditEvent).where(in_organization_log(organization))
    if chosen.action:
        query = query.where(AuditEvent.action == chosen.action)
    if chosen.login:
        query = query.where(func.lower(AuditEvent.actor) == chosen.login.lower())
    if chosen.ip:
        query = query.where(AuditEvent.ip.startswith(chosen.ip, autoescape=True))  # "10.0." finds a whole network
    if chosen.since:
        query = query.where(AuditEvent.created_at >= _midnight(chosen.since))
    if chosen.until:
        query = query.where(AuditEvent.created_at < _midnight(chosen.until + timedelta(days=1)))
    query = query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def _midnight(day: date) -> datetime:
    # The admin's days begin at midnight where the company works; the log is stored in UTC.
    return to_utc(datetime.combine(day, time.min))
