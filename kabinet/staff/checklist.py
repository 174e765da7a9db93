"""The first-run checklist on the dashboard: what a company still has to do before its tenants can use the cabinet.

Each step is worked out from the database and the settings every time the dashboard opens, so a step is done the
moment the work is, and undone again if the work is (a new house's accounts without code words, say). The checklist
is for those who can do its steps: the admin sees every step, the accountant the accounts and the code words; it is
gone once all of them are done.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from kabinet.extensions import db
from kabinet.models import Account, Building, Organization, User
from kabinet.receipts.services import missing_requisites

ORGANIZATION_PAGE = "staff_organization.index"  # where the requisites and houses are entered
# Who does a step, and so sees it: the admin does everything, the accountant loads accounts and issues code words.
ADMINS, ACCOUNTANTS = {"admin"}, {"admin", "accountant"}


@dataclass(frozen=True)
class Step:
    """One thing to do: whether it is done, what to do while it is not, and the page where it is done (an endpoint,
    or None for what is done outside the browser)."""

    key: str
    title: str
    done: bool
    detail: str  # shown while not done
    endpoint: str | None
    roles: Collection[str]
    warning: bool = False  # not done, and something already goes wrong because of it


def checklist(organization: Organization, config: Mapping, role: str) -> list[Step]:
    """The steps `role` can do, each done or not; empty when every one of them is done (three queries, none for a
    role without steps)."""
    if role not in ACCOUNTANTS:
        return []
    steps = [step for step in _steps(organization, config) if role in step.roles]
    return [] if all(step.done for step in steps) else steps


def _steps(organization: Organization, config: Mapping) -> list[Step]:
    missing = ", ".join(str(label) for label in missing_requisites(organization))
    houses = db.session.scalar(select(func.count(Building.id)).where(Building.organization_id == organization.id))
    accounts, open_accounts, with_code_word = _accounts(organization)
    staff, admins_without_second_factor = _staff(organization)
    mail_server = config.get("MAIL_SERVER")
    return [
        Step(
            "requisites",
            _("Реквизиты для квитанций"),
            done=not missing,
            detail=_requisites_detail(organization, missing),
            endpoint=ORGANIZATION_PAGE,
            roles=ADMINS,
        ),
        Step(
            "houses",
            _("Дома"),
            done=houses > 0,
            detail=_("Добавьте дома или загрузите файл лицевых счетов: дома появятся из их адресов."),
            endpoint=ORGANIZATION_PAGE,
            roles=ADMINS,
        ),
        Step(
            "accounts",
            _("Лицевые счета загружены"),
            done=accounts > 0,
            detail=_("Загрузите файл лицевых счетов из учётной программы, затем начисления и оплаты."),
            endpoint="staff_imports.index",
            roles=ACCOUNTANTS,
        ),
        Step(
            "code_words",
            _("Кодовые слова выданы"),
            done=0 < open_accounts == with_code_word,
            detail=_(
                "Выдано %(count)s из %(total)s (%(percent)s %%): по кодовому слову житель привязывает лицевой счет.",
                count=with_code_word,
                total=open_accounts,
                percent=round(100 * with_code_word / open_accounts) if open_accounts else 0,
            ),
            endpoint="staff_accounts.code_words",
            roles=ACCOUNTANTS,
        ),
        Step(
            "staff",
            _("Сотрудники приглашены"),
            done=staff > 1,
            detail=_("Пригласите диспетчера и бухгалтера: пока в офисе только вы."),
            endpoint="staff_team.index",
            roles=ADMINS,
        ),
        Step(
            "mail",
            _("Почтовый сервер"),
            done=bool(mail_server),
            detail=_(
                "Письма не отправляются, а складываются в папку outbox на сервере: жители не получат ни подтверждения "
                "регистрации, ни восстановления пароля. Задайте MAIL_SERVER в настройках сервера."
            ),
            endpoint=None,
            roles=ADMINS,
            warning=not mail_server,
        ),
        Step(
            "second_factor",
            _("Второй фактор для сотрудников"),
            done=organization.staff_totp_required or not admins_without_second_factor,
            detail=_(
                "Включите второй фактор себе или потребуйте его от всех сотрудников: пароль сотрудника открывает "
                "данные всех жителей."
            ),
            endpoint="staff_team.index",
            roles=ADMINS,
        ),
    ]


def _requisites_detail(organization: Organization, missing: str) -> str:
    """What the missing requisites cost: a Russian receipt its QR code, a Kazakh one (which has none) the requisites a
    tenant pays by."""
    if organization.country_rules.pays_by_qr_code:
        return _("Не заполнено: %(fields)s. Пока их нет, в квитанциях нет QR-кода для оплаты.", fields=missing)
    return _("Не заполнено: %(fields)s. Пока их нет, в квитанциях не хватает реквизитов для оплаты.", fields=missing)


def _accounts(organization: Organization) -> tuple[int, int, int]:
    """All the organization's accounts, the open ones, and the open ones with a code word: one query."""
    is_open = Account.is_closed.is_(False)
    return db.session.execute(
        select(
            func.count(Account.id),
            func.count(case((is_open, Account.id))),
            func.count(case((is_open & Account.code_word_hash.is_not(None), Account.id))),
        ).where(Account.organization_id == organization.id)
    ).one()


def _staff(organization: Organization) -> tuple[int, int]:
    """The organization's staff (the invited included), and its active admins without a second factor: one query."""
    without = (User.role == "admin") & User.blocked_at.is_(None) & User.totp_enabled_at.is_(None)
    return db.session.execute(
        select(func.count(User.id), func.count(case((without, User.id)))).where(
            User.organization_id == organization.id, User.role.is_not(None)
        )
    ).one()
