"""The account's ledger: what was charged and paid by month, and what is owed. Debt is positive, overpayment negative.

A fixed number of queries whatever the length of the history: charges and payments come summed by month from the
database (a month is stored as its first day for charges; payments are summed by their day and bucketed here).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, func, literal_column, select
from sqlalchemy.orm import aliased

from kabinet.extensions import db
from kabinet.models import Account, Charge, Payment

ZERO = Decimal("0.00")


@dataclass
class Month:
    """One month of the ledger, as the balance page and the receipt show it."""

    month: date  # its first day
    opening: Decimal = ZERO  # owed at the start of the month
    charged: Decimal = ZERO
    recalculated: Decimal = ZERO
    paid: Decimal = ZERO
    services: list[Charge] = field(default_factory=list)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.charged + self.recalculated - self.paid


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months(account: Account, *, until: date | None = None) -> list[Month]:
    """Every month from the first charge or payment to `until` (or the last one with data), oldest first.

    Two queries. The services of each month are not loaded: see `services`.
    """
    charged = db.session.execute(
        select(Charge.month, func.sum(Charge.amount), func.sum(Charge.recalculation))
        .where(Charge.account_id == account.id)
        .group_by(Charge.month)
    ).all()
    paid_by_day = db.session.execute(
        select(Payment.paid_on, func.sum(Payment.amount))
        .where(Payment.account_id == account.id)
        .group_by(Payment.paid_on)
    ).all()
    by_month: dict[date, Month] = {}
    for month, amount, recalculation in charged:
        entry = by_month.setdefault(month, Month(month))
        entry.charged, entry.recalculated = money(amount), money(recalculation)
    for day, amount in paid_by_day:
        entry = by_month.setdefault(month_of(day), Month(month_of(day)))
        entry.paid += money(amount)
    if not by_month:
        return []
    last = max(by_month) if until is None else month_of(until)
    result, month, owed = [], min(by_month), account.opening_balance or ZERO
    while month <= last:
        entry = by_month.get(month) or Month(month)
        entry.opening = owed
        owed = entry.closing
        result.append(entry)
        month = next_month(month)
    return result


def services(account: Account, month: date) -> list[Charge]:
    """The charges of one month by service, in the order of the company's file (one query)."""
    query = select(Charge).where(Charge.account_id == account.id, Charge.month == month).order_by(Charge.id)
    return list(db.session.scalars(query))


def balance(account: Account) -> Decimal:
    """What the account owes today (positive) or has paid in advance (negative): two queries."""
    charged = db.session.scalar(
        select(func.coalesce(func.sum(Charge.amount + Charge.recalculation), 0)).where(Charge.account_id == account.id)
    )
    paid = db.session.scalar(select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.account_id == account.id))
    return (account.opening_balance or ZERO) + money(charged) - money(paid)


def last_payment(account: Account) -> Payment | None:
    query = select(Payment).where(Payment.account_id == account.id).order_by(Payment.paid_on.desc(), Payment.id.desc())
    return db.session.scalars(query.limit(1)).first()


def money(value) -> Decimal:
    """An amount as the database gave it, in kopecks: SQLite sums NUMERIC columns as floats, rounded back through str
    so that 0.1 + 0.2 stays 0.30."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


# --- several accounts at once: the cabinet home shows a card per account in a fixed number of queries ------------


# The statements below are built once (functools.cache): the cabinet home runs them on every request (as parts of
# one query: kabinet.cabinet.services), and building one costs about four times what running it from SQLAlchemy's
# compiled cache does. Each takes the accounts as what `in_()` accepts: a list of ids given with the query (IDS, the
# expanding parameter "ids"), or a select of them (the home's: the accounts bound to a user).
IDS = bindparam("ids", expanding=True)


@cache
def charged_and_paid_statement(ids=IDS):
    """Per account: everything charged (recalculations included) with 0, everything paid with 1."""
    charged = (
        select(Charge.account_id, func.sum(Charge.amount + Charge.recalculation), literal_column("0").label("paid"))
        .where(Charge.account_id.in_(ids))
        .group_by(Charge.account_id)
    )
    paid = select(Payment.account_id, func.sum(Payment.amount), literal_column("1").label("paid"))
    paid = paid.where(Payment.account_id.in_(ids))
    return charged.union_all(paid.group_by(Payment.account_id))


def balances(accounts: list[Account]) -> dict[int, Decimal]:
    """What each account owes today (positive) or has paid in advance (negative), by account id: one query."""
    rows = db.session.execute(charged_and_paid_statement(), {"ids": [account.id for account in accounts]})
    return owed(accounts, rows)


def owed(accounts: list[Account], sums) -> dict[int, Decimal]:
    """What each account owes, by account id: its opening balance, plus what was charged, less what was paid, from
    the rows of charged_and_paid_statement()."""
    owing = {account.id: account.opening_balance or ZERO for account in accounts}
    for account_id, amount, is_payment in sums:
        owing[account_id] += -money(amount) if is_payment else money(amount)
    return owing


@cache
def last_payments_statement(ids=IDS):
    """The newest payment of each account that has one: looked up per account through the index on its payments'
    days, newest first (numbering every payment of the account to keep the first cost more, the longer its history)."""
    newest = aliased(Payment)
    first = (
        select(newest.id)
        .where(newest.account_id == Account.id)
        .order_by(newest.paid_on.desc(), newest.id.desc())
        .limit(1)
        .correlate(Account)
        .scalar_subquery()
    )
    return select(Payment).join(Account, Payment.id == first).where(Account.id.in_(ids))


class Charged(NamedTuple):
    """A month's charges as the balance page and the receipt show them: the sum of amounts, recalculations apart."""

    month: date
    charged: Decimal
    recalculated: Decimal


@cache
def latest_charges_statement(ids=IDS):
    """The latest month with charges of each account: account, month, its charges, its recalculations."""
    latest = (
        select(Charge.account_id, func.max(Charge.month).label("month"))
        .where(Charge.account_id.in_(ids))
        .group_by(Charge.account_id)
        .subquery()
    )
    return (
        select(Charge.account_id, Charge.month, func.sum(Charge.amount), func.sum(Charge.recalculation))
        .join(latest, (latest.c.account_id == Charge.account_id) & (latest.c.month == Charge.month))
        .group_by(Charge.account_id, Charge.month)
    )


# --- the balance page: the months shown, with their services and payments, whatever their number ----------------


def services_since(account: Account, first: date) -> dict[date, list[Charge]]:
    """The charges by service of every month from `first` on, by month (one query for all the months)."""
    query = (
        select(Charge).where(Charge.account_id == account.id, Charge.month >= first).order_by(Charge.month, Charge.id)
    )
    by_month: dict[date, list[Charge]] = {}
    for charge in db.session.scalars(query):
        by_month.setdefault(charge.month, []).append(charge)
    return by_month


def payments_since(account: Account, first: date) -> list[Payment]:
    """The payments received from `first` on, newest first (one query)."""
    query = (
        select(Payment)
        .where(Payment.account_id == account.id, Payment.paid_on >= first)
        .order_by(Payment.paid_on.desc(), Payment.id.desc())
    )
    return list(db.session.scalars(query))
