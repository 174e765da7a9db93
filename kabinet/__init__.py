"""Kabinet: the tenants' personal cabinet of a residential management company."""

import logging

from flask import Flask, request
from flask_login import current_user

import config as settings
from kabinet.extensions import babel, bootstrap, csrf, db, limiter, login_manager, mail, migrate, tune_sqlite
from kabinet.language import default_language, known, locale_of

FEATURES = (
    "pages",
    "auth",
    "registration",
    "social",
    "recovery",
    "profile",
    "cabinet",
    "accounts",
    "balance",
    "readings",
    "receipts",
    "dispatch",
    "book",
    "contacts",
    "documents",
    "telegram",
    "notifications",
    "staff",
    "staff.team",
    "staff.dispatch",
    "staff.accounts",
    "staff.imports",
    "staff.content",
    "staff.documents",
    "staff.tenants",
    "staff.organization",
    "staff.status",
    "platform",
)


def create_app(config=None) -> Flask:
    """Build the app from a config class (KABINET_ENV's by default) and optional overrides."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=settings.INSTANCE.as_posix(),
        instance_relative_config=False,
    )
    register_config(app, config)
    register_urls(app)
    register_proxy(app)
    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security(app)
    register_commands(app)
    register_health(app)
    return app


def register_config(app, config):
    """Load the class named by KABINET_ENV, apply overrides, derive the rest and refuse a half-configured start."""
    overrides = {}
    if isinstance(config, dict):
        overrides, config = config, None
    base = config or settings.from_environment()
    values = {key: getattr(base, key) for key in dir(base) if key.isupper()}
    values.update(overrides)
    base.finalize(values)
    app.config.update(values)


def register_urls(app):
    """Every `<int:...>` of a route is a row id, bounded (kabinet.urls.IdConverter): set before any route is added."""
    from kabinet.urls import IdConverter

    app.url_map.converters["int"] = IdConverter


def register_proxy(app):
    """Behind PROXY_COUNT proxies, take the visitor's address from X-Forwarded-For: the rate limits and the sessions
    list need the tenant's address, not nginx's."""
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=app.config["PROXY_COUNT"])


def register_logging(app):
    """One line per event, JSON with LOG_FORMAT=json (kabinet/logs.py); `make run` gets the outbox's links on the
    console."""
    from kabinet import logs

    logs.init_app(app)
    app.logger.setLevel(logging.INFO)
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # it narrates every font it subsets for a PDF
    if app.config["ENV_NAME"] == "production" and not app.config["MAIL_SERVER"]:
        app.logger.warning("MAIL_SERVER is not set: e-mails (with their links) go to %s/outbox", app.instance_path)


def register_extensions(app):
    from kabinet import (
        assets,
        cookies,
        filters,
        layout,
        limits,
        models,  # noqa: F401 -- the models must be known before migrations compare them
        organizations,
        outbox,
        social,
        statements,
    )

    app.session_interface = cookies.KeptCookieSessions()  # a cookie checked once is not checked again
    db.init_app(app)
    with app.app_context():
        tune_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(settings.ROOT / "migrations"))
    login_manager.init_app(app)
    mail.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    limits.init_app(app)  # Flask-Limiter's check before a request only where a limit could apply
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories=str(settings.ROOT / "translations")
    )
    bootstrap.init_app(app)
    assets.init_app(app)  # static files (Bootstrap's too) under addresses with their content's digest
    outbox.init_app(app)
    filters.init_app(app)
    layout.init_app(app)  # after Babel's: the templates' `_()` finds the translations once per request
    statements.init_app(app)  # the connection a reading page reads its rows on, given back to the pool
    organizations.init_app(app)  # `company` in every template: the organization the page or e-mail speaks for
    social.init_app(app)  # the Authlib clients of the providers in SOCIAL_PROVIDERS


def select_locale():
    """The logged-in user's language, else the one the visitor picked (a cookie), else the installation's default: the
    Locale kept for its code (Flask-Babel would parse the code anew on each request, and its default each time)."""
    if not request:
        return None
    kept = current_user.language if current_user.is_authenticated else None
    return locale_of(known(kept) or known(request.cookies.get("lang")) or default_language())


def register_blueprints(app):
    from importlib import import_module

    from kabinet.cabinet import tenants_only

    for feature in FEATURES:
        app.register_blueprint(import_module(f"kabinet.{feature}.views").bp)
    app.before_request(tenants_only)


def register_errorhandlers(app):
    from kabinet import errors

    errors.init_app(app)


def register_security(app):
    from kabinet import security

    security.init_app(app)


def register_health(app):
    """`/healthz` for the load balancer, answered in front of everything else (kabinet/health.py)."""
    from kabinet import health

    health.init_app(app)


def register_commands(app):
    from kabinet import cli

    cli.init_app(app)
