"""Which organization an action is about: the only one of a small installation, one named among several, or the one
a page or an e-mail speaks for (its name in the header and the e-mail's From, its phone, its signature)."""

from functools import cache

from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import bindparam, func, or_, select

from kabinet.extensions import db
from kabinet.models import Account, AccountBinding, Organization, User
from kabinet.models.account import BOUND_ORDER
from kabinet.models.organization import COUNTRIES

SPEAKING_FOR = "speaking_for"  # flask.g's name for the organization speak_for() chose


class UnknownOrganization(Exception):
    """No organization, or more than one, answers to what was asked."""


# The settings the admin edits, in the page's order, named as the issue and the receipt name them: the settings page,
# the audit log, and the receipts and the checklist saying what is missing.
LABELS = {
    "name": _l("Наименование"),
    "country": _l("Страна"),
    "timezone": _l("Часовой пояс"),
    "inn": _l("ИНН"),
    "kpp": _l("КПП"),
    "ogrn": _l("ОГРН"),
    "bank_name": _l("Банк"),
    "bic": _l("БИК"),
    "settlement_account": _l("Расчетный счет"),
    "correspondent_account": _l("Корреспондентский счет"),
    "kbe": _l("Кбе"),
    "knp": _l("КНП"),
    "address": _l("Адрес"),
    "phones": _l("Телефоны"),
    "dispatch_phone": _l("Телефон диспетчерской службы"),
    "email": _l("E-mail"),
    "opening_hours": _l("Часы работы"),
    "readings_from_day": _l("Показания принимаются с"),
    "readings_until_day": _l("по"),
    "agreement": _l("Пользовательское соглашение"),
    "email_signature": _l("Подпись в письмах"),
}
# The countries by name, as the forms offer them.
COUNTRY_NAMES = {code: country.name for code, country in COUNTRIES.items()}


def labels(country: str) -> dict:
    """LABELS as an organization of the country names its settings: a Kazakh one's ИНН is its БИН (a new one not yet
    stored is Russian, the column's default)."""
    return {**LABELS, **COUNTRIES[country or "RU"].names}


def same_address(address: str) -> str:
    """An address as a person reads it, for comparing: «ул. Ленина, д. 5» and «ул.  ленина, Д. 5» are the same house
    (and «кв. 12» the same premises), whether typed in the office or written by the accounting program."""
    return " ".join(address.split()).casefold()


def _first_run() -> Organization:
    """The organization the COMPANY_* settings describe: what an empty installation starts with, not yet stored."""
    config = current_app.config
    return Organization(name=config["COMPANY_NAME"], phones=config["COMPANY_PHONE"], email=config["COMPANY_EMAIL"])


def _installation() -> Organization | None:
    """The installation's own organization, the first one stored; None before there is any."""
    return db.session.scalar(select(Organization).order_by(Organization.id).limit(1))


def _platform() -> Organization:
    """The platform as a speaker (not stored): its name (PLATFORM_NAME, else what tenants call the site) and phone."""
    config = current_app.config
    name = config["PLATFORM_NAME"] or _("Личный кабинет жителя")
    return Organization(name=name, phones=config["PLATFORM_PHONE"], email="", timezone=config["BABEL_DEFAULT_TIMEZONE"])


def _nobodys() -> Organization:
    """Who speaks where no organization is the reader's: the only organization of a one-company installation (the
    COMPANY_* settings before it is stored); on a platform of several, the platform, never its first organization."""
    found = db.session.scalars(_first_two()).all()
    if len(found) > 1:
        return _platform()
    return found[0] if found else _first_run()


@cache
def _first_two():
    # Built once: every page a visitor opens asks it for `company`.
    return select(Organization).order_by(Organization.id).limit(2)


def default_organization() -> Organization:
    """The installation's organization, made from the COMPANY_* settings on first use; after that the admin's
    settings («Организация») are the only source."""
    organization = _installation()
    if organization is None:
        organization = _first_run()
        db.session.add(organization)
        db.session.flush()
    return organization


@cache
def _organizations_of():
    # Built once: the book, the contacts and the dispatch pages ask for it on every visit.
    return (
        select(Organization)
        .join(Account, Account.organization_id == Organization.id)
        .join(AccountBinding, AccountBinding.account_id == Account.id)
        .where(AccountBinding.user_id == bindparam("user_id"))
        .order_by(*BOUND_ORDER)
    )


def organizations_of(user: User) -> list[Organization]:
    """The organizations of the user's bound accounts, the first bound account's first; none for a visitor."""
    if not user.is_authenticated:
        return []
    return list(dict.fromkeys(db.session.scalars(_organizations_of(), {"user_id": user.id})))


def current_organization() -> Organization:
    """The organization the page or e-mail being made speaks for: a staff user's own; for a tenant, the one of the
    account the page is about (speaking_for), else of their first account; else the installation's own, or the
    platform where there are several (_nobodys). It writes nothing."""
    user = current_user if has_request_context() else None
    if user is not None and (chosen := g.get(SPEAKING_FOR)) is not None:
        return chosen
    if user is not None and user.is_authenticated:
        if user.session_organization is not None:  # found with the session, a query fewer on every page
            return user.session_organization
        if user.organization_id:  # a staff user; db.session.get finds the one the staff view loaded without a query
            return db.session.get(Organization, user.organization_id)
        if own := organizations_of(user):
            return own[0]
    return _nobodys()


def speak_for(organization: Organization) -> None:
    """Make the rest of this request (the header, the contacts, the e-mails it queues) speak for this organization:
    a page about one of a tenant's accounts speaks for that account's organization, not for their first one."""
    setattr(g, SPEAKING_FOR, organization)


def find_organization(reference: str | None) -> Organization:
    """The organization with this id or INN; without one, the only organization there is."""
    if reference is None:
        if db.session.scalar(select(func.count(Organization.id))) > 1:
            raise UnknownOrganization(_("Организаций несколько: укажите --org (номер или ИНН)."))
        return default_organization()
    query = select(Organization).where(
        or_(Organization.inn == reference, Organization.id == (int(reference) if reference.isdigit() else -1))
    )
    found = db.session.scalars(query).all()
    if len(found) != 1:
        raise UnknownOrganization(_("Организация «%(reference)s» не найдена.", reference=reference))
    return found[0]


def organizations() -> list[Organization]:
    """Every organization, by name."""
    return db.session.scalars(select(Organization).order_by(Organization.name)).all()


def init_app(app):
    """Give every template, e-mails too, `company`: the current organization (a template rendered with an explicit
    `company` keeps its own)."""

    @app.context_processor
    def _company():
        return {"company": current_organization()}
