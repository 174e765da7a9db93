"""The management company (or association) and its houses."""

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from kabinet.address_words import spelled
from kabinet.extensions import db

PHONE_SEPARATORS = re.compile(r"[,;]")
# What kind of body runs the houses: a management company, a cooperative (Kazakhstan), an association of owners.
KINDS = ("uk", "ksk", "osi", "tszh")


@dataclass(frozen=True, kw_only=True)
class Country:
    """What an organization's country decides, each a fact its row states so that another country is another row:
    its name; its money (the ISO code, and the sign tenants read); the time zone it starts with; whether the law has
    its chairman report to the owners monthly and yearly (Kazakhstan's); its requisites and what they are called
    there; how a tenant pays a receipt (by the ГОСТ Р 56042-2014 QR code, or by copying the requisites into a bank's
    transfer form) and which requisites that cannot go without; and the payee's lines a receipt prints."""

    name: str
    currency: str
    sign: str
    timezone: str
    owners_reports: bool = False
    # The organization's requisites in this country, in the order its settings page shows them.
    requisites: tuple[str, ...]
    # The requisites whose name here is not the settings' usual one (kabinet.organizations.LABELS).
    names: dict = field(default_factory=dict)
    pays_by_qr_code: bool = False
    # What a receipt cannot go without for a tenant to pay by it, in the order the receipt and checklist name them.
    payment_needs: tuple[str, ...]
    # The requisites in the order the country's banks' transfer form asks for them (a country without the QR code).
    transfer_form: tuple[str, ...] = ()
    # The receipt's lines under the payee's name, each of (requisite, its text with the value's one placeholder);
    # its address and phones follow.
    payee_lines: tuple[tuple[tuple[str, str], ...], ...]


# The countries an organization may be in; the key is also the phone region (phonenumbers') of its numbers.
COUNTRIES = {
    "RU": Country(
        name=_l("Россия"),
        currency="RUB",
        sign="₽",
        timezone="Europe/Moscow",
        requisites=("inn", "kpp", "ogrn", "bank_name", "bic", "settlement_account", "correspondent_account"),
        pays_by_qr_code=True,
        # The standard's five mandatory fields, and PayeeINN, which banking apps require too.
        payment_needs=("name", "settlement_account", "bank_name", "bic", "correspondent_account", "inn"),
        payee_lines=(
            (("inn", _l("ИНН %(inn)s")), ("kpp", _l("КПП %(kpp)s"))),
            (("settlement_account", _l("Расчётный счёт %(account)s")),),
            (("bank_name", _l("Банк: %(bank)s")), ("bic", _l("БИК %(bic)s"))),
            (("correspondent_account", _l("Корр. счёт %(account)s")),),
        ),
    ),
    "KZ": Country(
        name=_l("Казахстан"),
        currency="KZT",
        sign="₸",
        timezone="Asia/Almaty",
        owners_reports=True,
        requisites=("inn", "bank_name", "bic", "settlement_account", "kbe", "knp"),
        # Its columns hold the requisites of the Russian ones that serve the same purpose (see Organization).
        names={"inn": _l("БИН"), "settlement_account": _l("ИИК")},
        payment_needs=("name", "inn", "bank_name", "bic", "settlement_account", "kbe", "knp"),
        transfer_form=("inn", "settlement_account", "bic", "bank_name", "kbe", "knp"),
        payee_lines=(
            (("inn", _l("БИН %(bin)s")), ("kbe", _l("Кбе %(kbe)s"))),
            (("settlement_account", _l("ИИК %(account)s")),),
            (("bank_name", _l("Банк: %(bank)s")), ("bic", _l("БИК %(bic)s"))),
            (("knp", _l("КНП %(knp)s")),),
        ),
    ),
}
# The requisites that mean the same in every country, whatever its rules: the bank's name is words, checked by no
# country's rule. The others (a taxpayer's number, a bank's code, an account) are numbers of one country's system.
SAME_EVERYWHERE = frozenset({"bank_name"})


class OrganizationFacts:
    """What an organization's country and phones decide, for the ORM class and for the light rows pages read
    (OrganizationShown): the same answers whichever a page has."""

    @property
    def country_rules(self) -> Country:
        """What its country decides for it (a new one not yet stored is Russian, the column's default)."""
        return COUNTRIES[self.country or "RU"]

    @property
    def currency(self) -> str:
        """The ISO code of the money its accounts are charged in: RUB, KZT."""
        return self.country_rules.currency

    @property
    def owes_owners_reports(self) -> bool:
        """Whether the back office reminds staff of the chairman's monthly and yearly reports to the owners."""
        return self.country_rules.owners_reports

    @property
    def currency_sign(self) -> str:
        """The sign of its money: ₽, ₸."""
        return self.country_rules.sign

    @property
    def phone_list(self) -> list[str]:
        """The phones as the staff typed them, one by one (they separate them with commas or semicolons)."""
        return [p.strip() for p in PHONE_SEPARATORS.split(self.phones or "") if p.strip()]

    @property
    def phone(self) -> str:
        """The phone the header shows: the first one."""
        return next(iter(self.phone_list), "")


@dataclass(frozen=True, slots=True)
class OrganizationShown(OrganizationFacts):
    """An organization as a page that only names it reads it (the cabinet's cards, the layout of a page that reads
    the signed-in user without the ORM): its name, phones and e-mail, and what its country decides."""

    id: int
    name: str
    country: str
    phones: str = ""
    email: str = ""


def _country_zone(context) -> str:
    """A new organization's time zone when none is given: its country's."""
    return COUNTRIES[context.get_current_parameters().get("country") or "RU"].timezone


class Organization(OrganizationFacts, db.Model):
    """A УК, КСК, ОСИ or ТСЖ: its requisites go on the receipt, its contacts on the contacts page."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8), default="uk", server_default="uk")  # one of KINDS
    country: Mapped[str] = mapped_column(String(2), default="RU", server_default="RU")  # a key of COUNTRIES
    # Where the organization's day turns: its readings window, its requests' deadlines (an IANA name, zoneinfo's).
    timezone: Mapped[str] = mapped_column(String(64), default=_country_zone, server_default="Europe/Moscow")
    # The taxpayer's number: a Russian ИНН, or a Kazakh БИН (12 digits) in the same column, as both name the payee to
    # the bank and the tax office, and `--org` finds an organization by either.
    inn: Mapped[str] = mapped_column(String(12), default="")
    kpp: Mapped[str] = mapped_column(String(9), default="")
    ogrn: Mapped[str] = mapped_column(String(15), default="")  # ОГРН, or ОГРНИП (15 digits) of an entrepreneur
    bank_name: Mapped[str] = mapped_column(String(255), default="")
    # The bank's code: a Russian БИК (9 digits) or a Kazakh bank's SWIFT-style БИК (8 or 11 characters).
    bic: Mapped[str] = mapped_column(String(11), default="")
    # The account payments go to: a Russian расчётный счёт or a Kazakh ИИК (a KZ IBAN), both 20 characters.
    settlement_account: Mapped[str] = mapped_column(String(20), default="")
    kbe: Mapped[str] = mapped_column(String(2), default="", server_default="")  # Kazakh: the payee's Кбе
    knp: Mapped[str] = mapped_column(String(3), default="", server_default="")  # Kazakh: the payment's КНП
    correspondent_account: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    phones: Mapped[str] = mapped_column(String(255), default="")
    dispatch_phone: Mapped[str] = mapped_column(String(64), default="")
    opening_hours: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    # The days of the month on which tenants submit meter readings (both included); 1-31 is the whole month.
    readings_from_day: Mapped[int] = mapped_column(default=1)
    readings_until_day: Mapped[int] = mapped_column(default=31)
    staff_totp_required: Mapped[bool] = mapped_column(default=False)  # the admin requires a second factor of all staff
    # Plain text the admin writes; empty: the agreement page shows AGREEMENT_FILE or the built-in text, e-mails end
    # without a signature.
    agreement: Mapped[str] = mapped_column(Text, default="")
    email_signature: Mapped[str] = mapped_column(Text, default="")

    buildings: Mapped[list["Building"]] = relationship(back_populates="organization", order_by="Building.address")

    def __repr__(self) -> str:
        return f"<Organization {self.name}>"


def _address_words(context) -> str:
    """The words of a house inserted without the ORM (an import's bulk insert): its address's."""
    return spelled(context.get_current_parameters()["address"])


class Building(db.Model):
    """A house of the organization, known by its address."""

    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("organization_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    address: Mapped[str] = mapped_column(String(255))
    # The address's words as the first-login form compares them (kabinet.address_words), so that its lookup narrows
    # the houses in SQL (SQLite's lower() leaves Cyrillic as it is). Kept by the ORM on every address set, and by
    # the default on an insert without it; a bulk UPDATE of addresses would have to set it too.
    address_words: Mapped[str] = mapped_column(Text, default=_address_words)

    organization: Mapped[Organization] = relationship(back_populates="buildings")

    @validates("address")
    def _keep_words(self, _key: str, address: str) -> str:
        """Spell the new address's words beside it, on creation and on a rename alike."""
        self.address_words = spelled(address)
        return address

    def __repr__(self) -> str:
        return f"<Building {self.address}>"


class Executor(db.Model):
    """Whom the dispatcher assigns requests to (a plumber, an electrician, a contractor); the admin keeps the list."""

    __tablename__ = "executors"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    is_active: Mapped[bool] = mapped_column(default=True)
