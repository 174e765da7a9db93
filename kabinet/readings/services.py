"""The rules of meter readings: when they are accepted, what a valid value is, what looks unusual, and saving them.

A tenant has at most one reading a month: submitting again in the same month replaces the tenant's reading of that
month and keeps the earlier value as a ReadingChange. A reading of the company's (the staff's or an import's) is never
replaced by a tenant's: the tenant's is stored beside it. Everything takes `today` so that the rules are testable
for any date.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import format_date, format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from kabinet import messages
from kabinet.balance.ledger import month_of
from kabinet.extensions import db
from kabinet.models import Account, Meter, Organization, Reading, ReadingChange

KIND_NAMES = {
    "cold_water": _l("Холодная вода"),
    "hot_water": _l("Горячая вода"),
    "electricity": _l("Электроэнергия"),
    "electricity_day": _l("Электроэнергия (день)"),
    "electricity_night": _l("Электроэнергия (ночь)"),
    "heat": _l("Отопление"),
    "gas": _l("Газ"),
}
RECENT_MONTHS = 6  # the monthly readings the usual consumption is averaged over
UNUSUAL_FACTOR = 3
MAX_WHOLE_DIGITS = 9  # no household meter has more; a longer number is a typo
VERIFICATION_NOTICE = timedelta(days=30)
VALUE = re.compile(r"^(?P<whole>[0-9]+)(?:[.,](?P<fraction>[0-9]*))?$")
THOUSANDTH = Decimal("0.001")
TENANT = "tenant"  # the source of a tenant's reading; "staff" and "import" are the company's
TENTH = Decimal("0.1")
WHOLE = Decimal("1")


class InvalidReading(ValueError):
    """A value the tenant typed that cannot be accepted; the message says why, in words for the tenant."""


class TakenToday(InvalidReading):
    """The company has already read the meter today: the day's place is taken and a tenant may not replace it."""

    def __init__(self, meter_id: int):
        super().__init__(
            _l("Сегодня показание этого счётчика уже записала управляющая компания: передайте своё завтра.")
        )
        self.meter_id = meter_id


class WindowClosed(Exception):
    """The organization takes no readings today; the message is the readings page's, with the day it opens again."""

    def __init__(self, opens: date):
        super().__init__(str(messages.READINGS_CLOSED.text) % {"date": format_date(opens, "d MMMM")})
        self.opens = opens


# --- the submission window ---------------------------------------------------------------------------------------


def _days_in_month(day: date) -> int:
    return ((day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day


def window(organization: Organization, today: date) -> tuple[int, int]:
    """The first and last day of this month on which readings are accepted, clamped to the month's length."""
    length = _days_in_month(today)
    return min(organization.readings_from_day, length), min(organization.readings_until_day, length)


def is_open(organization: Organization, today: date) -> bool:
    """Whether the organization accepts readings today (both ends of the window included)."""
    first, last = window(organization, today)
    if first <= last:
        return first <= today.day <= last
    return today.day >= first or today.day <= last  # a window across the month's end, e.g. the 25th to the 5th


def next_opening(organization: Organization, today: date) -> date:
    """The first day after today on which the window is open."""
    day = today + timedelta(days=1)
    while not is_open(organization, day):
        day += timedelta(days=1)
    return day


@dataclass
class Intake:
    """The organization's window as the readings page tells it this month."""

    first: int
    last: int
    whole_month: bool
    is_open: bool
    next_opening: date | None  # only while closed


def intake(organization: Organization, today: date) -> Intake:
    """What the page says about the window today, and whether it takes readings."""
    first, last = window(organization, today)
    whole_month = organization.readings_from_day <= 1 and organization.readings_until_day >= 31
    opened = is_open(organization, today)
    return Intake(first, last, whole_month, opened, None if opened else next_opening(organization, today))


# --- what the page shows about each meter ------------------------------------------------------------------------


@dataclass
class MeterState:
    """A meter with its recent readings (newest first), as the readings page and the rules need it."""

    meter: Meter
    today: date
    recent: list[Reading] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(KIND_NAMES.get(self.meter.kind, self.meter.kind))

    @property
    def verification(self) -> str | None:
        return verification(self.meter, self.today)

    @property
    def last(self) -> Reading | None:
        return self.recent[0] if self.recent else None

    @property
    def this_month(self) -> Reading | None:
        """This month's latest reading, whoever gave it: the page shows it as the month's value."""
        return self.last if self.last and month_of(self.last.taken_on) == month_of(self.today) else None

    @property
    def replaced(self) -> Reading | None:
        """This month's reading a new submission replaces: only a tenant's, never the company's."""
        return self.this_month if self.this_month and self.this_month.source == TENANT else None

    @property
    def taken_today(self) -> bool:
        """Whether the company read the meter today, so that a tenant's reading has no date left until tomorrow."""
        return self.this_month is not None and not self.replaced and self.this_month.taken_on == self.today

    @property
    def previous(self) -> list[Reading]:
        """The readings before the one a submission replaces, newest first: the baseline and the usual consumption
        come from them (a company's reading of this month included)."""
        return self.recent[1:] if self.replaced else self.recent

    @property
    def baseline(self) -> Reading | None:
        """The reading a new value may not be below."""
        return self.previous[0] if self.previous else None


def meter_states(account: Account, today: date) -> list[MeterState]:
    """The account's active meters with their last few readings: two queries however long the history."""
    meters = db.session.scalars(
        select(Meter).where(Meter.account_id == account.id, Meter.is_active).order_by(Meter.kind, Meter.serial)
    ).all()
    recent = recent_readings([m.id for m in meters], RECENT_MONTHS + 2)
    return [MeterState(m, today, recent.get(m.id, [])) for m in meters]


def recent_readings(meter_ids: list[int], count: int) -> dict[int, list[Reading]]:
    """The last `count` readings of each meter, newest first, in one query."""
    if not meter_ids:
        return {}
    rank = func.row_number().over(partition_by=Reading.meter_id, order_by=(Reading.taken_on.desc(), Reading.id.desc()))
    ranked = select(Reading, rank.label("rank")).where(Reading.meter_id.in_(meter_ids)).subquery()
    reading = aliased(Reading, ranked)
    query = select(reading).where(ranked.c.rank <= count).order_by(reading.meter_id, reading.taken_on.desc())
    found: dict[int, list[Reading]] = {}
    for row in db.session.scalars(query):
        found.setdefault(row.meter_id, []).append(row)
    return found


def verification(meter: Meter, today: date) -> str | None:
    """The meter's verification: "expired" once its date has passed, "soon" within 30 days, else None."""
    if meter.verification_due is None:
        return None
    if meter.verification_due < today:
        return "expired"
    return "soon" if meter.verification_due <= today + VERIFICATION_NOTICE else None


# --- a value and its checks --------------------------------------------------------------------------------------


def parse(text: str) -> Decimal:
    """A typed reading as a number: up to 3 decimals after a comma or a point, spaces between digit groups allowed."""
    compact = "".join(text.split())
    if compact.startswith("-") and VALUE.match(compact[1:]):
        raise InvalidReading(_l("Показание не может быть отрицательным."))
    match = VALUE.match(compact)
    if match is None:
        raise InvalidReading(_l("Введите число, например 123,456."))
    if len(match["fraction"] or "") > 3:
        raise InvalidReading(_l("Не больше трёх знаков после запятой."))
    if len(match["whole"].lstrip("0")) > MAX_WHOLE_DIGITS:
        raise InvalidReading(
            _l("Слишком большое число: не больше %(digits)s цифр до запятой.", digits=MAX_WHOLE_DIGITS)
        )
    return Decimal(f"{match['whole']}.{match['fraction'] or 0}").quantize(THOUSANDTH)


def check(state: MeterState, value: Decimal) -> None:
    """Refuse a value below the previous reading: a wrap-around or a replaced meter is for the staff to sort out;
    and any value on a day the company has already read the meter."""
    if state.taken_today:
        raise TakenToday(state.meter.id)
    baseline = state.baseline
    if baseline is not None and value < baseline.value:
        raise InvalidReading(
            _l(
                "Показание не может быть меньше предыдущего: %(value)s %(unit)s от %(date)s. "
                "Если счетчик заменён или прошёл полный круг, обратитесь в офис компании.",
                value=number(baseline.value),
                unit=state.meter.unit,
                date=format_date(baseline.taken_on, "dd.MM.yyyy"),
            )
        )


def number(value: Decimal) -> str:
    """A reading as the tenant reads it: 1 234,5."""
    return format_decimal(value, "#,##0.###")


def _months_between(earlier: date, later: date) -> int:
    return max(1, (later.year - earlier.year) * 12 + later.month - earlier.month)


@dataclass
class Unusual:
    """A consumption much larger than usual, shown to the tenant for confirmation."""

    state: MeterState
    value: Decimal
    consumption: Decimal
    usual: Decimal  # the average monthly consumption of recent months

    @property
    def about(self) -> Decimal:
        """The usual consumption as the page says it, "около 222": whole units, or tenths below 10."""
        step = WHOLE if self.usual >= 10 else TENTH
        return self.usual.quantize(step, rounding=ROUND_HALF_UP)


def unusual(state: MeterState, value: Decimal, today: date) -> Unusual | None:
    """The consumption when it is more than 3 times the average monthly one of recent months; None without history.

    Both are per month, so that a tenant who skipped a few months is not asked to confirm the sum of them.
    """
    previous = state.previous[: RECENT_MONTHS + 1]
    if len(previous) < 2:
        return None
    newest, oldest = previous[0], previous[-1]
    usual = (newest.value - oldest.value) / _months_between(oldest.taken_on, newest.taken_on)
    consumption = value - newest.value
    if consumption / _months_between(newest.taken_on, today) <= UNUSUAL_FACTOR * usual:
        return None
    return Unusual(state, value, consumption, usual.quantize(THOUSANDTH))


# --- saving ------------------------------------------------------------------------------------------------------


def submit(values: dict[int, Decimal], user_id: int, today: date) -> int:
    """Save this month's readings of these meters (checked already); the count of readings created or changed.

    `today` is the date in the organization's time zone (kabinet.clock.local_today(organization.timezone)).
    WindowClosed outside the organization's window, whoever submits (the page, the Telegram chat). A tenant's reading
    of this month is replaced; a company's is kept and the new one stored beside it, dated today; TakenToday if the
    company has read a meter today meanwhile (nothing is saved then). The same value again changes nothing, so a
    double click or a refresh saves once. Two submissions racing past each other meet at the unique (meter, date)
    constraint: the loser starts over and finds the winner's reading.
    """
    _refuse_outside_window(list(values), today)
    try:
        return _save(values, user_id, today)
    except IntegrityError:
        db.session.rollback()
        return _save(values, user_id, today)


def _refuse_outside_window(meter_ids: list[int], today: date) -> None:
    """WindowClosed unless the organization of these meters takes readings today."""
    owners = select(Account.organization_id).join(Meter, Meter.account_id == Account.id).where(Meter.id.in_(meter_ids))
    for organization in db.session.scalars(select(Organization).where(Organization.id.in_(owners))):
        if not is_open(organization, today):
            raise WindowClosed(next_opening(organization, today))


def _save(values: dict[int, Decimal], user_id: int, today: date) -> int:
    month = month_of(today)
    existing = {
        r.meter_id: r
        for r in db.session.scalars(
            select(Reading)
            .where(Reading.meter_id.in_(list(values)), Reading.taken_on >= month, Reading.taken_on <= today)
            .order_by(Reading.taken_on)
        )
    }
    changed = 0
    for meter_id, value in values.items():
        reading = existing.get(meter_id)
        if reading is not None and reading.source != TENANT:
            if reading.taken_on == today:
                db.session.rollback()
                raise TakenToday(meter_id)
            reading = None  # the company's reading stays; the tenant's goes beside it
        if reading is None:
            db.session.add(Reading(meter_id=meter_id, taken_on=today, value=value, source=TENANT, user_id=user_id))
        elif reading.value.quantize(THOUSANDTH) != value:
            db.session.add(
                ReadingChange(
                    reading_id=reading.id, old_value=reading.value, old_taken_on=reading.taken_on, user_id=user_id
                )
            )
            reading.value, reading.taken_on, reading.user_id = value, today, user_id
        else:
            continue
        changed += 1
    db.session.commit()
    return changed


# --- the history of a meter --------------------------------------------------------------------------------------


@dataclass
class HistoryRow:
    """A reading with the consumption since the one before it and its earlier values."""

    reading: Reading
    consumption: Decimal | None
    changes: list[ReadingChange]


def meter_of(account: Account, meter_id: int) -> Meter | None:
    """The account's meter (a replaced one too, for its history); None for another account's."""
    return db.session.scalar(select(Meter).where(Meter.id == meter_id, Meter.account_id == account.id))


def history(meter: Meter) -> list[HistoryRow]:
    """Every reading of the meter, newest first, with its consumption and changes: two queries."""
    readings = db.session.scalars(
        select(Reading).where(Reading.meter_id == meter.id).order_by(Reading.taken_on, Reading.id)
    ).all()
    changes: dict[int, list[ReadingChange]] = {}
    for change in db.session.scalars(
        select(ReadingChange)
        .join(Reading, Reading.id == ReadingChange.reading_id)
        .where(Reading.meter_id == meter.id)
        .order_by(ReadingChange.created_at, ReadingChange.id)
    ):
        changes.setdefault(change.reading_id, []).append(change)
    rows, before = [], None
    for reading in readings:
        consumption = reading.value - before.value if before is not None else None
        rows.append(HistoryRow(reading, consumption, changes.get(reading.id, [])))
        before = reading
    return rows[::-1]


@dataclass
class Bar:
    """A bar of the consumption chart, in the chart's own coordinates."""

    month: date
    consumption: Decimal
    x: float
    y: float
    width: float
    height: float


CHART_WIDTH, CHART_HEIGHT, CHART_MONTHS = 600, 200, 24


def chart(rows: list[HistoryRow]) -> list[Bar]:
    """Bars of the monthly consumption of the last 24 readings, oldest first, scaled to the chart's height."""
    measured = [row for row in rows if row.consumption is not None][:CHART_MONTHS][::-1]
    if not measured:
        return []
    top = max(row.consumption for row in measured) or Decimal(1)
    step = CHART_WIDTH / len(measured)
    bars = []
    for index, row in enumerate(measured):
        height = float(max(row.consumption, Decimal(0)) / top) * (CHART_HEIGHT - 20)
        x, y = index * step, CHART_HEIGHT - height
        bars.append(Bar(month_of(row.reading.taken_on), row.consumption, x, y, step * 0.8, height))
    return bars
