"""The geometry of the balance chart: charges and payments by month as pairs of bars, drawn as SVG by the template.

Kept apart from the template so that the numbers (bar heights, the scale) are tested without a request.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kabinet.balance.ledger import Month

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 12, 28  # margins: the scale's labels on the left, the months' below
TICKS = 4


@dataclass
class Bar:
    """One bar: charged (with recalculations) or paid in a month."""

    kind: str  # charged | paid
    month: date
    value: Decimal
    x: float
    y: float
    width: float
    height: float


@dataclass
class Tick:
    """A line of the scale and its value."""

    y: float
    value: Decimal


@dataclass
class Chart:
    """What the template draws: the bars, the months under them and the scale."""

    width: int
    height: int
    left: int
    baseline: float
    bars: list[Bar]
    months: list[tuple[float, date]]  # the middle of each month's pair of bars, and the month
    ticks: list[Tick]

    @property
    def is_empty(self) -> bool:
        return not self.bars


def nice_ceiling(value: Decimal) -> Decimal:
    """The top of the scale: the value rounded up to 1, 2, 2.5 or 5 times a power of ten, so the ticks read well."""
    if value <= 0:
        return Decimal(1)
    power = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (1, 2, Decimal("2.5"), 5):
        if value <= step * power:
            return step * power
    return 10 * power


def geometry(months: list[Month], width: int = WIDTH, height: int = HEIGHT) -> Chart:
    """Bars for the months given (oldest first): charged with recalculations and paid, side by side."""
    plot_width, plot_height = width - LEFT - RIGHT, height - TOP - BOTTOM
    baseline = TOP + plot_height
    if not months:
        return Chart(width, height, LEFT, baseline, [], [], [])
    top = nice_ceiling(max(max(m.charged + m.recalculated, m.paid) for m in months))
    slot = plot_width / len(months)
    bar_width = slot * 0.35
    bars, labels = [], []
    for index, month in enumerate(months):
        start = LEFT + index * slot + slot * 0.15
        for offset, kind, value in ((0, "charged", month.charged + month.recalculated), (1, "paid", month.paid)):
            shown = max(value, Decimal(0))  # a month refunded more than charged has no bar below the axis
            bar_height = float(shown / top) * plot_height
            x = start + offset * bar_width
            bars.append(Bar(kind, month.month, value, round(x, 1), round(baseline - bar_height, 1),
                            round(bar_width, 1), round(bar_height, 1)))  # fmt: skip
        labels.append((round(LEFT + index * slot + slot / 2, 1), month.month))
    ticks = [Tick(round(baseline - plot_height * i / TICKS, 1), top * i / TICKS) for i in range(TICKS + 1)]
    return Chart(width, height, LEFT, baseline, bars, labels, ticks)
