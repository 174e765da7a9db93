"""Addresses: for e-mails, built from BASE_URL alone (a forged Host header never reaches a user's mailbox); the
numbers read from an address, bounded; and where a form may send the browser next.
"""

import unicodedata
from urllib.parse import urlsplit

from flask import current_app, request, url_for
from werkzeug.routing import IntegerConverter

# The id columns are PostgreSQL's `integer` (4 bytes): no row has a larger id, and a larger number would only reach
# the database to fail there (SQLite refuses one past 2^63 before sending it).
ID_MAX = 2**31 - 1
PAGE_MAX = 10_000  # far past any list's last page, and an offset every database can count to


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a row id, 1 to ID_MAX in ASCII digits; any other number is a 404, not a query."""

    regex = r"[0-9]+"  # `\d` would take other scripts' digits too: a second address for the same page

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, *args, **{"min": 1, "max": ID_MAX, **kwargs})


def number_argument(name: str, highest: int) -> int | None:
    """A whole number from 1 to `highest` in the query string; None for anything else, as if it were not there."""
    text = request.args.get(name, "")
    # ASCII digits only, and no more of them than `highest` has: int() would also take " 1", "1_0" and "١", and
    # spend its time on a million digits.
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(highest))):
        return None
    value = int(text)
    return value if 1 <= value <= highest else None


def page_number(name: str = "page") -> int:
    """The page of a list asked for in the query string; the first for anything that is not a page number."""
    return number_argument(name, PAGE_MAX) or 1


def id_argument(name: str) -> int | None:
    """A row id from the query string; None for anything that cannot be one, as if it were not there."""
    return number_argument(name, ID_MAX)


def external_url(endpoint: str, **values) -> str:
    """The absolute address of an endpoint at the installation's public BASE_URL."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def safe_next(target: str | None) -> str:
    """A path on this site to continue to, or the cabinet: never another host."""
    # Browsers read "/\\host" and "//host" as another site, and drop a tab or a newline first ("/\t/host"); a CR/LF
    # would also split the Location header. Only a plain path without control characters stays here.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target and printable(target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("cabinet.home")


def printable(text: str) -> bool:
    """Whether the text has no control character (C0, DEL, C1): nothing a person types into an address."""
    return not any(unicodedata.category(char) == "Cc" for char in text)
