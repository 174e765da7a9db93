"""Addresses for e-mails, built from BASE_URL alone: a forged Host header never reaches a user's mailbox."""

from urllib.parse import urlsplit

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    """The absolute address of an endpoint at the installation's public BASE_URL."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def safe_next(target: str | None) -> str:
    """A path on this site to continue to, or the cabinet: never another host."""
    # Browsers read "/\\host" and "//host" as another site; only a plain path stays here.
    if target and target.startswith("/") and not target.startswith(("//", "/\\")) and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("cabinet.home")
