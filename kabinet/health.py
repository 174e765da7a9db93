"""`/healthz` for the load balancer: 200 "ok" when the database answers and its migrations are at head, else 503.

It is answered in front of the app (WSGI middleware): whatever Host the balancer sends, and without a session, a
rate limit or a login check, so a probe every second costs one small query. It says nothing more to anyone; the
details are on the admin's «Состояние системы».
"""

from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy import text

import config as settings
from kabinet.extensions import db

PATH = "/healthz"


@cache
def _scripts() -> ScriptDirectory:
    """The code's migrations (read once: they do not change while the process runs)."""
    return ScriptDirectory(str(settings.ROOT / "migrations"))


@cache
def migration_heads() -> frozenset[str]:
    """The revisions the code's migrations end at."""
    return frozenset(_scripts().get_heads())


@cache
def known_revisions() -> frozenset[str]:
    """Every revision the code's migrations know, heads and all before them."""
    return frozenset(script.revision for script in _scripts().walk_revisions())


def database_revisions() -> frozenset[str]:
    """The revisions the database says it is at (raises when the database does not answer)."""
    return frozenset(db.session.scalars(text("SELECT version_num FROM alembic_version")))


def healthy(app) -> bool:
    """Whether the database answers and is migrated to the code's head; a failure is logged, not shown."""
    with app.app_context():
        try:
            return database_revisions() == migration_heads()
        except Exception as exc:  # noqa: BLE001 -- any failure to answer is "unhealthy", and the balancer moves on
            app.logger.warning("Health check failed: %s: %s", type(exc).__name__, exc)
            return False
        finally:
            db.session.remove()


class HealthCheck:
    """WSGI middleware answering GET/HEAD /healthz itself; everything else goes on to the app."""

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") not in {"GET", "HEAD"}:
            return self.wsgi_app(environ, start_response)
        ok = healthy(self.app)
        body = b"ok\n" if ok else b"unavailable\n"
        start_response(
            "200 OK" if ok else "503 Service Unavailable",
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
             ("Cache-Control", "no-store")],
        )  # fmt: skip
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]


def init_app(app):
    """Put the health check in front of the app."""
    app.wsgi_app = HealthCheck(app, app.wsgi_app)
