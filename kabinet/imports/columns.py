"""What each import file holds: its columns (with the Russian names 1C gives them) and how each cell is read."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from kabinet.forms import FIRST_DAY, LAST_DAY
from kabinet.models.meter import KINDS


class CellProblem(ValueError):
    """A cell that cannot be read; its message (a lazy translation) says why, in the language of whoever reads it."""


def text(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = " ".join(value.split())
        if len(value) > max_length:
            raise CellProblem(_l("длиннее %(length)s символов", length=max_length))
        return value

    return parse


def number(places: int, *, positive: bool = False) -> Callable[[str], Decimal]:
    """A number with a decimal comma or point and spaces between thousands: "1 234,56"."""

    def parse(value: str) -> Decimal:
        cleaned = re.sub(r"[\s\u00a0\u202f]", "", value).replace(",", ".")
        try:
            result = Decimal(cleaned)
        except InvalidOperation:
            raise CellProblem(_l("«%(value)s» — не число", value=value)) from None
        if not result.is_finite():
            raise CellProblem(_l("«%(value)s» — не число", value=value))
        if -result.as_tuple().exponent > places:
            raise CellProblem(_l("не больше %(places)s знаков после запятой", places=places))
        if abs(result) >= Decimal(10) ** 11:
            raise CellProblem(_l("слишком большое число"))
        if positive and result < 0:
            raise CellProblem(_l("не может быть отрицательным"))
        return result.quantize(Decimal(1).scaleb(-places))

    return parse


def whole(value: str) -> int:
    try:
        result = int(value.strip())
    except ValueError:
        raise CellProblem(_l("«%(value)s» — не целое число", value=value)) from None
    if not 0 <= result < 1000:
        raise CellProblem(_l("должно быть от 0 до 999"))
    return result


def day(value: str) -> date:
    """A date as 31.12.2025 or 2025-12-31."""
    value = value.strip()
    for pattern, order in ((r"(\d{1,2})\.(\d{1,2})\.(\d{4})", "dmy"), (r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd")):
        found = re.fullmatch(pattern, value)
        if found:
            parts = dict(zip(order, map(int, found.groups()), strict=True))
            try:
                found_day = date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                raise CellProblem(_l("«%(value)s» — такой даты нет", value=value)) from None
            if not FIRST_DAY <= found_day <= LAST_DAY:  # the ledger's month arithmetic would overflow past 9999
                raise CellProblem(_l("«%(value)s» — дата должна быть с 1900 по 2100 год", value=value))
            return found_day
    raise CellProblem(_l("«%(value)s» — не дата (нужно ДД.ММ.ГГГГ или ГГГГ-ММ-ДД)", value=value))


def month(value: str) -> date:
    """A month as 2025-03, 03.2025 or any date in it; kept as its first day."""
    value = value.strip()
    for pattern, order in ((r"(\d{4})-(\d{1,2})", "ym"), (r"(\d{1,2})\.(\d{4})", "my")):
        found = re.fullmatch(pattern, value)
        if found:
            parts = dict(zip(order, map(int, found.groups()), strict=True))
            if 1 <= parts["m"] <= 12 and FIRST_DAY.year <= parts["y"] <= LAST_DAY.year:
                return date(parts["y"], parts["m"], 1)
            raise CellProblem(_l("«%(value)s» — такого месяца нет", value=value))
    try:
        return day(value).replace(day=1)
    except CellProblem:
        raise CellProblem(_l("«%(value)s» — не месяц (нужно ГГГГ-ММ)", value=value)) from None


# How the companies' files name each kind of meter: the preview shows a kind so.
KIND_WORDS = {
    "cold_water": "ХВС",
    "hot_water": "ГВС",
    "electricity": "Электроэнергия",
    "electricity_day": "Электроэнергия день",
    "electricity_night": "Электроэнергия ночь",
    "heat": "Отопление",
    "gas": "Газ",
}
# Every word 1C and the companies' spreadsheets use for a meter's kind.
KIND_NAMES = {
    **{kind: kind for kind in KINDS},
    **{word.lower(): kind for kind, word in KIND_WORDS.items()},
    "холодная вода": "cold_water",
    "горячая вода": "hot_water",
    "электричество": "electricity",
    "тепло": "heat",
}


def meter_kind(value: str) -> str:
    kind = KIND_NAMES.get(" ".join(value.lower().replace("ё", "е").replace("(", " ").replace(")", " ").split()))
    if kind is None:
        known = ", ".join(KIND_WORDS.values())
        raise CellProblem(_l("«%(value)s» — неизвестный вид счётчика (нужно одно из: %(known)s)", value=value,
                             known=known))  # fmt: skip
    return kind


@dataclass(frozen=True)
class Column:
    """A column of an import file: its name, the other names it goes by, how a cell is read."""

    name: str
    parse: Callable[[str], object]
    aliases: tuple[str, ...] = ()
    required: bool = True  # the header must have it and every row must fill it; else it may be absent or empty

    def names(self) -> set[str]:
        return {header_key(name) for name in (self.name, *self.aliases)}

    @property
    def title(self) -> str:
        """The column's name as the company's files give it: «Лицевой счет»."""
        return self.aliases[0].capitalize()


def optional(name, parse, aliases=()):
    return Column(name, parse, aliases, required=False)


ACCOUNT = Column("account", text(32), ("лицевой счет", "лицевой счёт", "лс", "номер лс", "номер лицевого счета"))

FORMATS = {
    "accounts": (
        ACCOUNT,
        Column("address", text(255), ("адрес", "адрес дома", "дом")),
        Column("apartment", text(16), ("квартира", "кв", "помещение", "номер помещения")),
        optional("owner", text(255), ("собственник", "владелец", "фио", "фио собственника")),
        optional("area", number(2, positive=True), ("площадь", "общая площадь")),
        optional("residents", whole, ("проживающих", "жильцов", "количество проживающих")),
        optional("code_word", text(64), ("кодовое слово",)),
        optional("opening_balance", number(2), ("сальдо", "входящее сальдо", "начальное сальдо")),
    ),
    "meters": (
        ACCOUNT,
        Column("serial", text(64), ("заводской номер", "номер счетчика", "серийный номер")),
        Column("kind", meter_kind, ("вид счетчика", "вид", "тип", "услуга")),
        optional("last_reading", number(3, positive=True), ("последние показания", "показания")),
        optional("last_reading_date", day, ("дата показаний", "дата последних показаний")),
        optional("verification_due", day, ("дата поверки", "следующая поверка", "поверка до")),
    ),
    "charges": (
        ACCOUNT,
        Column("month", month, ("месяц", "период")),
        Column("service", text(128), ("услуга",)),
        optional("tariff", number(4), ("тариф",)),
        optional("quantity", number(3), ("количество", "объем", "объём")),
        optional("unit", text(16), ("единица", "ед. изм.", "ед изм")),
        Column("amount", number(2), ("сумма", "начислено")),
        optional("recalculation", number(2), ("перерасчет", "перерасчёт")),
    ),
    "payments": (
        ACCOUNT,
        Column("date", day, ("дата", "дата оплаты")),
        Column("amount", number(2), ("сумма", "оплачено")),
        optional("source", text(128), ("источник", "банк", "способ оплаты")),
    ),
}

# What the preview calls each column of each kind of file.
TITLES = {kind: {column.name: column.title for column in columns} for kind, columns in FORMATS.items()}


def header_key(cell: str) -> str:
    """A header cell as compared with the names above: case, ё, spaces and a BOM do not matter."""
    return " ".join(cell.replace("\ufeff", "").replace("ё", "е").replace("Ё", "Е").lower().replace("_", " ").split())


def written_number(value: Decimal) -> str:
    """A number as 1C writes it: a decimal comma, no spaces between thousands (4410,000)."""
    return format(value, "f").replace(".", ",")


def written_day(value: date | None) -> str:
    """A date as 1C writes it: 31.10.2026."""
    return f"{value:%d.%m.%Y}" if value else ""


def as_written(column: Column, value) -> str:
    """A value read from a cell, written back as the company's files have it: «ХВС», «1234,56», «10.2026»."""
    if column.parse is meter_kind:
        return KIND_WORDS[value]
    if column.parse is month:
        return f"{value:%m.%Y}"
    if isinstance(value, Decimal):
        return written_number(value)
    if isinstance(value, date):
        return written_day(value)
    return str(value)
