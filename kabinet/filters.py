"""Template helpers: how phones, dates, money and browsers read to a person, the current language, the fields a
form was drawn with errors."""

import re
from datetime import UTC, date
from decimal import Decimal
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from babel import Locale, dates
from babel.numbers import get_currency_symbol, get_decimal_symbol, get_group_symbol
from flask import current_app, g
from flask_babel import format_currency, format_date, format_datetime
from markupsafe import Markup, escape

from kabinet.layout import page_locale
from kabinet.models.organization import COUNTRIES

# The sign each currency is written with, whatever the language: the narrow one of CLDR.
SIGNS = {country.currency: country.sign for country in COUNTRIES.values()}

BROWSERS = [
    ("Edg", "Edge"),
    ("YaBrowser", "Yandex Browser"),
    ("OPR", "Opera"),
    ("Firefox", "Firefox"),
    ("Chrome", "Chrome"),
    ("Safari", "Safari"),
]
SYSTEMS = [
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
]


def phone(value: str) -> str:
    """+79123456789 as +7 912 345-67-89."""
    if not value:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(value), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return value


def tel(value: str) -> str:
    """The tel: link a phone can dial for a number as typed: E.164 when it parses, the digits of a short local number
    ("25-25-25") otherwise."""
    return _tel(value or "", current_app.config["PHONE_REGION"])


@lru_cache(maxsize=256)
def _tel(value: str, region: str) -> str:
    """tel()'s link, kept: every page's header links the company's phone, and parsing it costs ~100 calls."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_possible_number(number):
        return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return "tel:" + re.sub(r"[^\d+]", "", value)


def browser(user_agent: str) -> str:
    """A User-Agent header as "Chrome 120, Android"."""
    name = next((label for token, label in BROWSERS if token in user_agent), "")
    if name:
        token = next(token for token, label in BROWSERS if label == name)
        version = re.search(rf"{token}/(\d+)", user_agent)
        name = f"{name} {version.group(1)}" if version and token != "Safari" else name
    system = next((label for token, label in SYSTEMS if token in user_agent), "")
    return ", ".join(part for part in (name, system) if part) or user_agent[:60] or "—"


def datetime(value, zone: str | None = None) -> str:
    """A stored UTC moment in the organization's time zone (`zone`, where the moment is the organization's: a
    request's deadline), else the installation's."""
    if not value:
        return ""
    if zone:
        return dates.format_datetime(value.replace(tzinfo=UTC), "short", tzinfo=ZoneInfo(zone), locale=page_locale())
    return format_datetime(value, "short")


# Babel's named date formats, which Flask-Babel reads from its settings: those dates take its way.
NAMED_FORMATS = {"short", "medium", "long", "full"}


def day(value, format: str | None = None, rebase: bool = True) -> str:
    """The templates' `dateformat` (Flask-Babel's filter of that name): a day written by a pattern in the page's
    language, kept per language, pattern and day. Babel parses the pattern and walks it for each date (~140 calls; the
    home writes three or four); the text depends on nothing else. Moments (datetimes, moved into the user's time zone)
    and named formats go to Flask-Babel as before."""
    if type(value) is not date or format is None or format in NAMED_FORMATS:
        return format_date(value, format, rebase)
    return _day(str(page_locale()), format, value)


@lru_cache(maxsize=4096)
def _day(locale: str, pattern: str, value: date) -> str:
    return dates.format_date(value, pattern, locale=locale)


def paragraphs(text: str | None) -> Markup:
    """Plain text someone typed (the agreement, a signature) as HTML: escaped, each blank line starting a paragraph,
    each line break kept."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text or "") if block.strip()]
    return Markup("\n").join(Markup("<p>%s</p>") % Markup("<br>\n").join(map(escape, b.split("\n"))) for b in blocks)


def note_failed(field, target: str) -> str:
    """Remember a field drawn with its errors (target: the id its summary line links to) for the error summary of the
    form being drawn (templates/_macros.html)."""
    g.setdefault("failed_fields", []).append((field, target))
    return ""


def failed_fields() -> list:
    """The fields noted since the last call, and forget them: a form asks before and after drawing its body, so it
    gets exactly its own."""
    return g.pop("failed_fields", [])


@cache
def _layout(locale: str, currency: str) -> tuple | None:
    """What Babel's amounts of a currency look like in a language, found once: the pattern's prefixes and suffixes
    (positive, negative) with the currency's sign in place, and the group and decimal symbols; None where the
    pattern is not the plain "#,##0.00" kind (other grouping or precision), which Babel then formats itself."""
    pattern = Locale.parse(locale).currency_formats["standard"]
    if pattern.grouping != (3, 3) or pattern.frac_prec != (2, 2) or pattern.exp_prec or pattern.scale:
        return None
    sign = lambda text: text.replace("¤", SIGNS[currency])  # noqa: E731 -- the pattern's currency placeholder
    return (
        tuple(map(sign, pattern.prefix)),
        tuple(map(sign, pattern.suffix)),
        get_group_symbol(locale),
        get_decimal_symbol(locale),
    )


def money(value, currency: str = "RUB") -> str:
    """An amount in the page's language with its currency's sign: «5 609,70 ₽», "₽5,609.70", «5 609,70 ₸». The
    currency is the amount's organization's (Organization.currency), whoever looks at it."""
    locale = page_locale()
    layout = _layout(str(locale), currency)
    if layout is None:
        # English's own signs are "RUB" and "KZT", Russian's for the tenge "KZT"; CLDR's narrow ones, "₽" and "₸",
        # are what tenants read and Babel cannot ask for.
        return format_currency(value, currency).replace(get_currency_symbol(currency, locale), SIGNS[currency])
    # The same text as Babel's format_currency (tests/test_page_cost.py compares them), for ~15 calls instead of
    # ~190: every page with money runs this a few times.
    prefixes, suffixes, group, point = layout
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    negative = amount.is_signed()
    digits = f"{abs(amount):,.2f}".translate({ord(","): group, ord("."): point})
    return f"{prefixes[negative]}{digits}{suffixes[negative]}"


def init_app(app):
    app.add_template_filter(phone, "phone")
    app.add_template_filter(tel, "tel")
    app.add_template_filter(browser, "browser")
    app.add_template_filter(datetime, "datetime")
    app.add_template_filter(day, "dateformat")  # after Babel's init_app, which puts its own there
    app.add_template_filter(paragraphs, "paragraphs")
    app.add_template_filter(money, "money")
    app.add_template_global(note_failed, "note_failed")
    app.add_template_global(failed_fields, "failed_fields")
