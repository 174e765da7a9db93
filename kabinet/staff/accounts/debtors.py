"""Who owes: the organization's accounts with a debt, the largest first, and what they owe altogether (the dashboard's
«Задолженность», which opens this list)."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Subquery, func, select
from sqlalchemy.orm import joinedload

from kabinet.balance import ledger
from kabinet.extensions import db
from kabinet.models import Account, Charge, Organization, Payment

PER_PAGE = 50


@dataclass(frozen=True)
class Debtor:
    """An account that owes, and how much."""

    account: Account
    debt: Decimal


def balances(organization: Organization) -> Subquery:
    """Every account of the organization with its balance today (account_id, balance): the ledger's rule, computed
    by the database for all the accounts at once."""
    accounts = select(Account.id).where(Account.organization_id == organization.id)
    charged = (
        select(Charge.account_id, func.sum(Charge.amount + Charge.recalculation).label("total"))
        .where(Charge.account_id.in_(accounts))
        .group_by(Charge.account_id)
        .subquery()
    )
    paid = (
        select(Payment.account_id, func.sum(Payment.amount).label("total"))
        .where(Payment.account_id.in_(accounts))
        .group_by(Payment.account_id)
        .subquery()
    )
    balance = (
        func.coalesce(Account.opening_balance, 0) + func.coalesce(charged.c.total, 0) - func.coalesce(paid.c.total, 0)
    )
    return (
        select(Account.id.label("account_id"), balance.label("balance"))
        .outerjoin(charged, charged.c.account_id == Account.id)
        .outerjoin(paid, paid.c.account_id == Account.id)
        .where(Account.organization_id == organization.id)
        .subquery()
    )


def _owes(balance: Subquery):
    # SQLite sums NUMERIC as floats: a paid-up account can come out 1e-13 in debt unless rounded to kopecks.
    return func.round(balance.c.balance, 2) > 0


def total_debt(organization: Organization) -> Decimal:
    """What the accounts that owe owe altogether, overpayments not deducted: one query."""
    balance = balances(organization)
    total = db.session.scalar(select(func.sum(balance.c.balance)).where(_owes(balance)))
    return Decimal(str(total or 0)).quantize(ledger.ZERO)  # through str, as the ledger does: no float's tail


def debtors(organization: Organization, page: int):
    """A page of the accounts that owe (closed ones too: a debt outlives the account), the largest debt first, each
    with its debt as the ledger counts it: four queries."""
    balance = balances(organization)
    query = (
        select(Account)
        .join(balance, balance.c.account_id == Account.id)
        .where(_owes(balance))
        .options(joinedload(Account.building))
        .order_by(balance.c.balance.desc(), Account.number)
    )
    listed = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    debts = ledger.balances(listed.items)
    listed.items = [Debtor(account, debts[account.id]) for account in listed.items]
    return listed
