"""The monthly receipt of an account, like the single payment document (ЕПД), and its payment QR code.

Money follows the ledger: debt is positive, an advance negative. The receipt asks for what is owed at the end of
its month; an account that paid ahead owes nothing, and its QR code then carries no sum (ГОСТ Р 56042-2014 makes
Sum optional): the banking app asks the payer for the amount instead of offering a payment of zero.
"""

import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

import segno
from babel import dates
from flask_babel import format_date, format_decimal

from kabinet.balance import ledger
from kabinet.forms import read_date
from kabinet.models import Account

MONTH = re.compile(r"(\d{4})-(\d{2})")
# ГОСТ Р 56042-2014 limits these fields; a longer value makes some banking apps refuse the whole code.
LIMITS = {"Name": 160, "BankName": 45, "Purpose": 210, "payerAddress": 255}


@dataclass
class Receipt:
    """One account's receipt for one month: the ledger's month with its services, and what to pay."""

    account: Account
    ledger: ledger.Month

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


def parse_month(text: str) -> date | None:
    """The first day of a month written as YYYY-MM, or None for anything else."""
    if not MONTH.fullmatch(text):
        return None
    try:
        return read_date(text, ["%Y-%m"])
    except ValueError:  # no such month, or one outside the calendar
        return None


def receipt(account: Account, month: date) -> Receipt | None:
    """The account's receipt for the month, or None when nothing was charged in it (three queries)."""
    services = ledger.services(account, month)
    if not services:
        return None
    entry = ledger.months(account, until=month)[-1]
    entry.services = services
    return Receipt(account, entry)


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
    """Rubles with kopecks in the page's language: 1 656,15."""
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


def payment_payload(receipt: Receipt) -> str:
    """The text of the payment QR code by ГОСТ Р 56042-2014: ST00012 (UTF-8), then Key=value pairs split by '|'."""
    account, organization = receipt.account, receipt.account.organization
    fields = {
        "Name": organization.name,
        "PersonalAcc": organization.settlement_account,
        "BankName": organization.bank_name,
        "BIC": organization.bic,
        "CorrespAcc": organization.correspondent_account,
        "PayeeINN": organization.inn,
        "KPP": organization.kpp,
        "persAcc": account.number,
        "Sum": str(int(receipt.to_pay * 100)) if receipt.to_pay else "",
        "Purpose": f"Оплата ЖКУ за {period(receipt.month)}, л/с {account.number}",
        "paymPeriod": receipt.month.strftime("%m%Y"),
        **payer_name(account.owner_name),
        "payerAddress": account.address,
    }
    values = {key: _field(key, value) for key, value in fields.items()}
    return "|".join(["ST00012", *(f"{key}={value}" for key, value in values.items() if value)])


def _field(key: str, value: str) -> str:
    # '|' separates the fields and a line break ends the code for some readers: neither may stay inside a value.
    value = " ".join(value.replace("|", "/").split())
    return value[: LIMITS.get(key, len(value))]


@lru_cache(maxsize=256)
def qr_png(payload: str) -> bytes:
    """The payload as a QR code image: error correction M, as banking apps expect, small enough for a receipt.

    Remembered for the receipts opened lately: the page's image and its PDF share one code, and choosing the code's
    mask is most of the work.
    """
    out = io.BytesIO()
    segno.make(payload, error="m", micro=False, encoding="utf-8", boost_error=False).save(out, kind="png", scale=4)
    return out.getvalue()
