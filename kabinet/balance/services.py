"""What the balance page shows of an account: its months newest first, their services, the payments, the chart."""

from dataclasses import dataclass
from decimal import Decimal

from kabinet.balance import chart, ledger
from kabinet.models import Account, Payment

SHOWN_MONTHS = 24  # a long history opens on the last two years; "Показать всю историю" shows the rest
CHART_MONTHS = 12


@dataclass
class Statement:
    """The balance page of one account."""

    balance: Decimal  # owed today: positive is a debt, negative an overpayment
    months: list[ledger.Month]  # newest first, each with its services
    payments: list[Payment]  # of the months shown, newest first
    hidden: int  # older months left out
    chart: chart.Chart


def statement(account: Account, everything: bool = False) -> Statement:
    """The account's statement: five queries however long its history is."""
    history = ledger.months(account)
    shown = history if everything else history[-SHOWN_MONTHS:]
    if shown:
        services = ledger.services_since(account, shown[0].month)
        for month in shown:
            month.services = services.get(month.month, [])
        payments = ledger.payments_since(account, shown[0].month)
    else:
        payments = []
    return Statement(
        balance=history[-1].closing if history else account.opening_balance or ledger.ZERO,
        months=shown[::-1],
        payments=payments,
        hidden=len(history) - len(shown),
        chart=chart.geometry(history[-CHART_MONTHS:]),
    )
