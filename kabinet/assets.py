"""Static files under addresses that change with their content, so that browsers may keep them for a year.

Every `url_for("static", filename=...)` (Bootstrap-Flask's `bootstrap.static` too) gets `?v=` and a digest of the
file's content; the answer to an address whose digest is the file's current one is cached `immutable` for a year.
A changed file gets a new address, so nobody sees a stale copy; an address with another digest (an old page, or a
server still running the previous release) is served without the long cache, so that the wrong content is never kept.
"""

import hashlib
import os
import time
from functools import lru_cache

from flask import Flask, current_app, request
from werkzeug.security import safe_join

from kabinet.kept import kept

ENDPOINTS = ("static", "bootstrap.static")
CACHED_FOR = 365 * 24 * 3600
RECHECK_SECONDS = 1.0  # how stale a production page's idea of a static file may be


@lru_cache(maxsize=512)
def _digest(path: str, modified: int, size: int) -> str:
    """The first 12 hex digits of the file's SHA-256; computed once per file and version (its time and size)."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()[:12]


def stamp(endpoint: str, filename: str) -> tuple[str, int, int] | None:
    """The file an endpoint serves under this name, as its path, modification time and size (what its digest is
    kept for), or None when there is no such file."""
    app = current_app._get_current_object()
    paths = app.extensions.setdefault("kabinet_static_paths", {})
    path = kept(paths, (endpoint, filename), lambda: _path(app, endpoint, filename))  # None: no file can have it
    try:
        found = os.stat(path) if path else None
    except (OSError, ValueError):  # no such file, or a name no file can have (a NUL in it)
        return None
    return (path, found.st_mtime_ns, found.st_size) if found else None


def watched(endpoint: str, filename: str) -> tuple[str, int, int] | None:
    """The version of a file the page's addresses are kept for: its stamp(), looked at on every page where the app
    reloads what changes (development: Jinja's auto_reload), else at most once every RECHECK_SECONDS per worker. The
    address must follow the file within moments, not at the next reload: nginx answers any `?v=` with the file as it
    is now and lets the browser keep it for a year, so a page naming the old digest while the new file is served would
    pin the new content under the old address. An os.stat a file, four a page, was a tenth of the layout's time."""
    if current_app.jinja_env.auto_reload:
        return stamp(endpoint, filename)
    seen = current_app.extensions.setdefault("kabinet_static_seen", {})
    now = time.monotonic()
    found = kept(seen, (endpoint, filename), lambda: (stamp(endpoint, filename), now))
    if now - found[1] >= RECHECK_SECONDS:
        found = seen[endpoint, filename] = (stamp(endpoint, filename), now)
    return found[0]


def _path(app: Flask, endpoint: str, filename: str) -> str | None:
    # Where the file would be: kept per app, endpoint and name by stamp(), which asks for every static address of a
    # page (~20 calls of proxies and safe_join each); the file itself is looked at (os.stat) every time.
    blueprint = endpoint.rpartition(".")[0]
    folder = app.blueprints[blueprint].static_folder if blueprint else app.static_folder
    return safe_join(folder, filename) if folder else None


def version(endpoint: str, filename: str) -> str | None:
    """The digest of the file an endpoint serves under this name, or None when there is no such file."""
    found = stamp(endpoint, filename)
    try:
        return _digest(*found) if found else None
    except OSError:  # removed since
        return None


def _add_version(endpoint: str, values: dict) -> None:
    """url_for's hook: a static file's address carries its digest."""
    if endpoint in ENDPOINTS and "filename" in values and "v" not in values:
        values["v"] = version(endpoint, values["filename"])


def _cache_forever(response):
    """A static file asked for by its current digest may be kept for a year without asking again."""
    if request.endpoint not in ENDPOINTS:
        return response  # every other request: no query string parsed for it
    digest = request.args.get("v")
    if digest and response.status_code in (200, 304):
        if digest == version(request.endpoint, request.view_args.get("filename", "")):
            response.cache_control.public = True
            response.cache_control.max_age = CACHED_FOR
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(_add_version)
    app.after_request(_cache_forever)
