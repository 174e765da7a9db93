"""The monthly receipt of an account, like the single payment document (ЕПД), and its payment QR code.

Money follows the ledger: debt is positive, an advance negative. The receipt asks for what is owed at the end of
its month. A receipt that asks for nothing (its month ended without a debt, or the account owes nothing today) carries
no QR code at all, only «Оплачивать не нужно»: a code next to those words would still invite a payment, and one
scanned from an old receipt would pay its sum a second time. A receipt of a company whose requisites are incomplete
carries none either: a banking app refuses a code without the payee's account, bank or INN. A Kazakh organization's
receipt carries none at all (the ГОСТ code is Russian banks'): it shows the requisites to pay by, БИН, ИИК, БИК, Кбе
and КНП, in its payee's lines and in «Реквизиты для оплаты».
"""

import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

import segno
from babel import dates
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.utils import secure_filename

from kabinet.balance import ledger
from kabinet.forms import read_date
from kabinet.models import Account, Organization
from kabinet.organizations import labels

MONTH = re.compile(r"(\d{4})-(\d{2})")
# ГОСТ Р 56042-2014 limits these fields; a longer value makes some banking apps refuse the whole code.
LIMITS = {"Name": 160, "BankName": 45, "Purpose": 210, "payerAddress": 255}
# The payee's fields of a payment QR code, each with the organization's attribute: what the code cannot go without
# (the standard's five mandatory fields, and PayeeINN, which banking apps require too: Country.payment_needs).
REQUIRED = (
    ("Name", "name"),
    ("PersonalAcc", "settlement_account"),
    ("BankName", "bank_name"),
    ("BIC", "bic"),
    ("CorrespAcc", "correspondent_account"),
    ("PayeeINN", "inn"),
)
# The requisites a tenant copies into a banking app's "pay by requisites" form, in the order such forms ask for them.
DETAILS = {
    "Name": _l("Получатель"),
    "PayeeINN": _l("ИНН"),
    "KPP": _l("КПП"),
    "BIC": _l("БИК"),
    "BankName": _l("Банк"),
    "CorrespAcc": _l("Корр. счёт"),
    "PersonalAcc": _l("Расчётный счёт"),
    "Purpose": _l("Назначение платежа"),
}
QR_UNAVAILABLE = _l(
    "Оплата по QR-коду пока недоступна. Оплатите по реквизитам получателя платежа, указанным в квитанции, "
    "в приложении или в отделении банка."
)
# What a downloaded file of a receipt is called, by its extension: the PDF, and the QR code kept on a phone.
FILE_NAMES = {"pdf": "kvitanciya", "png": "oplata"}
NOTHING_DUE = _l("Оплачивать не нужно: на конец месяца задолженности нет.")


@dataclass
class Receipt:
    """One account's receipt for one month: the ledger's month with its services, and what to pay."""

    account: Account
    ledger: ledger.Month
    balance: Decimal  # what the account owes today (an advance negative), whatever the receipt asked for

    @property
    def month(self) -> date:
        return self.ledger.month

    @property
    def to_pay(self) -> Decimal:
        """What the payer is asked for: the debt at the end of the month, never below zero."""
        return max(self.ledger.closing, ledger.ZERO)

    @property
    def advance(self) -> Decimal:
        """What was paid ahead, when the account owes nothing."""
        return max(-self.ledger.closing, ledger.ZERO)

    @property
    def settled(self) -> bool:
        """Whether the account owes nothing today: then even a receipt that asked for money needs no payment."""
        return self.balance <= 0

    @property
    def nothing_due(self) -> bool:
        """Whether the receipt asks for no payment: nothing owed at the end of its month, or nothing owed today."""
        return self.settled or not self.to_pay

    @property
    def missing(self) -> list:
        """The requisites its payee lacks for a QR code (see missing_requisites)."""
        return missing_requisites(self.account.organization)

    @property
    def by_qr_code(self) -> bool:
        """Whether its payee's country pays by the ГОСТ Р 56042-2014 QR code: Russia's does, Kazakhstan's does not."""
        return self.account.organization.country_rules.pays_by_qr_code

    @property
    def sign(self) -> str:
        """The sign of its money, its organization's currency's: ₽, ₸."""
        return self.account.organization.currency_sign

    @property
    def payload(self) -> str | None:
        """The text of its payment QR code; None when it has none: nothing is due, the requisites are incomplete, or
        its payee's country does not pay by it."""
        if not self.by_qr_code or self.nothing_due or self.missing:
            return None
        return payment_payload(self)


def file_name(receipt: Receipt, extension: str) -> str:
    """The name a file of the receipt is saved under: "kvitanciya-100101-2026-11.pdf", "oplata-100101-2026-11.png"."""
    return secure_filename(f"{FILE_NAMES[extension]}-{receipt.account.number}-{receipt.month:%Y-%m}.{extension}")


def parse_month(text: str) -> date | None:
    """The first day of a month written as YYYY-MM, or None for anything else."""
    if not MONTH.fullmatch(text):
        return None
    try:
        return read_date(text, ["%Y-%m"])
    except ValueError:  # no such month, or one outside the calendar
        return None


def receipt(account: Account, month: date) -> Receipt | None:
    """The account's receipt for the month, or None when nothing was charged in it (five queries)."""
    services = ledger.services(account, month)
    if not services:
        return None
    entry = ledger.months(account, until=month)[-1]
    entry.services = services
    return Receipt(account, entry, ledger.balance(account))


def missing_requisites(organization: Organization) -> list:
    """The requisites a payment needs (its country's payment_needs: a Russian one's for the QR code, a Kazakh one's
    to pay by) that the organization has not filled in, by their names on its settings page. Empty: its receipts
    carry the QR code, or all that its country's bank asks. The receipt and the staff dashboard both ask this."""
    names = labels(organization.country)
    needed = organization.country_rules.payment_needs
    # Only spaces are no value: the QR code drops them (_field), and a bank's form would too.
    return [names[attribute] for attribute in needed if not (getattr(organization, attribute) or "").strip()]


def no_payment_needed(receipt: Receipt, today: date) -> str | None:
    """Why the receipt asks for no payment, as the page and the PDF say it; None when it asks for one."""
    if receipt.settled:
        return _("Оплачивать не нужно: по данным на %(date)s задолженности нет.", date=format_date(today, "short"))
    return str(NOTHING_DUE) if receipt.nothing_due else None


def payee_lines(organization: Organization) -> list[str]:
    """The payee's requisites as its country's receipt prints them under its name (Country.payee_lines), then its
    contacts, without the empty ones."""
    lines = [
        *([_filled(text, getattr(organization, attribute)) for attribute, text in line]
          for line in organization.country_rules.payee_lines),
        (organization.address, organization.phones),
    ]  # fmt: skip
    return [", ".join(filter(None, parts)) for parts in lines if any(parts)]


def _filled(text, value: str) -> str:
    """A requisite's text in the page's language with its value in place ("ИНН 3808123457"); empty without one.
    The texts name their one placeholder each its own way (%(inn)s, %(account)s): any name gets the value."""
    return value and str(text) % defaultdict(lambda: value)


def settled(account: Account) -> bool:
    """Whether the account owes nothing today, whatever an earlier receipt asked for (two queries)."""
    return ledger.balance(account) <= 0


def receipts(account: Account) -> list[ledger.Month]:
    """The months with charges, newest first: the receipts a tenant can open (two queries)."""
    return [m for m in reversed(ledger.months(account)) if m.charged or m.recalculated]


def period(month: date) -> str:
    """The month as a payment's purpose names it, always in Russian for the payee's bank: "ноябрь 2026"."""
    return dates.format_date(month, "LLLL yyyy", locale="ru")


def month_name(month: date) -> str:
    """The month in the page's language: "ноябрь 2026", "November 2026"."""
    return format_date(month, "LLLL yyyy")


def money(value: Decimal) -> str:
    """An amount without its sign (the column's heading names the currency) in the page's language: 1 656,15."""
    return format_decimal(value, "#,##0.00")


def quantity(value: Decimal) -> str:
    """A volume as the accounting system gives it, without trailing zeros: 54,3."""
    return format_decimal(value, "#,##0.###")


def tariff(value: Decimal) -> str:
    """A price per unit: kopecks always, up to four decimals when the tariff has them."""
    return format_decimal(value, "#,##0.00##")


def payer_name(owner_name: str) -> dict[str, str]:
    """The owner's full name split as the QR code wants it: last name, first name, patronymic."""
    last, first, *middle = [*owner_name.split(), "", ""]
    names = {"lastName": last, "firstName": first, "middleName": " ".join(middle).strip()}
    return {key: value for key, value in names.items() if value}


def payment_fields(receipt: Receipt) -> dict[str, str]:
    """The fields of the receipt's payment by ГОСТ Р 56042-2014 as its QR code carries them, the empty ones left out."""
    account, organization = receipt.account, receipt.account.organization
    fields = {
        **{key: getattr(organization, attribute) for key, attribute in REQUIRED},
        "KPP": organization.kpp,
        "persAcc": account.number,
        "Sum": str(int(receipt.to_pay * 100)) if receipt.to_pay else "",
        "Purpose": f"Оплата ЖКУ за {period(receipt.month)}, л/с {account.number}",
        "paymPeriod": receipt.month.strftime("%m%Y"),
        **payer_name(account.owner_name),
        "payerAddress": account.address,
    }
    values = {key: _field(key, value or "") for key, value in fields.items()}
    return {key: value for key, value in values.items() if value}


def payment_payload(receipt: Receipt) -> str:
    """The text of the payment QR code: ST00012 (UTF-8), then Key=value pairs split by '|'."""
    return "|".join(["ST00012", *(f"{key}={value}" for key, value in payment_fields(receipt).items())])


def payment_details(receipt: Receipt) -> list[tuple[str, str]]:
    """The requisites to copy into a banking app, as (name, value) pairs: the QR code's values, and the sum the way
    a payment form takes it (no spaces: "2763,50"). Empty when nothing is due: there is nothing to pay by them."""
    if receipt.nothing_due:
        return []
    if receipt.by_qr_code:
        fields = payment_fields(receipt)
        details = [(str(label), fields[key]) for key, label in DETAILS.items() if key in fields]
    else:
        details = _transfer_details(receipt)
    return [*details, (_("Сумма, %(sign)s", sign=receipt.sign), format_decimal(receipt.to_pay, "0.00"))]


def _transfer_details(receipt: Receipt) -> list[tuple[str, str]]:
    """A payment's requisites in the order its payee's country's bank transfer form asks for them (a Kazakh one's),
    the empty ones left out; the purpose in Russian, as for a Russian payee."""
    organization, account = receipt.account.organization, receipt.account
    names = labels(organization.country)
    values = [
        (_("Получатель"), organization.name),
        *((str(names[attribute]), getattr(organization, attribute))
          for attribute in organization.country_rules.transfer_form),
        (_("Назначение платежа"), f"Оплата коммунальных услуг за {period(receipt.month)}, л/с {account.number}"),
    ]  # fmt: skip
    return [(str(name), value) for name, value in values if value]


def _field(key: str, value: str) -> str:
    # '|' separates the fields and a line break ends the code for some readers: neither may stay inside a value.
    value = " ".join(value.replace("|", "/").split())
    return value[: LIMITS.get(key, len(value))]


@lru_cache(maxsize=256)
def qr_png(payload: str, scale: int = 4) -> bytes:
    """The payload as a QR code image: error correction M, as banking apps expect, small enough for a receipt (a
    larger scale for the image a tenant saves, which a banking app reads back from the phone's gallery).

    Remembered for the receipts opened lately: the page's image and its PDF share one code, and choosing the code's
    mask is most of the work.
    """
    out = io.BytesIO()
    segno.make(payload, error="m", micro=False, encoding="utf-8", boost_error=False).save(out, kind="png", scale=scale)
    return out.getvalue()
