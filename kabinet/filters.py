"""Template helpers: how phones, dates, money and browsers read to a person, the current language, the fields a
form was drawn with errors."""

import re

import phonenumbers
from babel.numbers import get_currency_symbol
from flask import current_app, g
from flask_babel import format_currency, format_datetime, get_locale
from markupsafe import Markup, escape

RUBLE = "₽"

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
    try:
        number = phonenumbers.parse(value or "", current_app.config["PHONE_REGION"])
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_possible_number(number):
        return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return "tel:" + re.sub(r"[^\d+]", "", value or "")


def browser(user_agent: str) -> str:
    """A User-Agent header as "Chrome 120, Android"."""
    name = next((label for token, label in BROWSERS if token in user_agent), "")
    if name:
        token = next(token for token, label in BROWSERS if label == name)
        version = re.search(rf"{token}/(\d+)", user_agent)
        name = f"{name} {version.group(1)}" if version and token != "Safari" else name
    system = next((label for token, label in SYSTEMS if token in user_agent), "")
    return ", ".join(part for part in (name, system) if part) or user_agent[:60] or "—"


def datetime(value) -> str:
    """A stored UTC moment in the installation's time zone."""
    return format_datetime(value, "short") if value else ""


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


def rubles(value) -> str:
    """An amount of rubles in the page's language, with the ruble sign in each: «5 609,70 ₽», "₽5,609.70"."""
    # English's own sign for the ruble is "RUB"; CLDR's narrow one, "₽", is what Russian uses and Babel cannot ask for.
    return format_currency(value, "RUB").replace(get_currency_symbol("RUB", get_locale()), RUBLE)


def init_app(app):
    app.add_template_filter(phone, "phone")
    app.add_template_filter(tel, "tel")
    app.add_template_filter(browser, "browser")
    app.add_template_filter(datetime, "datetime")
    app.add_template_filter(paragraphs, "paragraphs")
    app.add_template_filter(rubles, "rubles")
    app.add_template_global(get_locale, "get_locale")
    app.add_template_global(note_failed, "note_failed")
    app.add_template_global(failed_fields, "failed_fields")
