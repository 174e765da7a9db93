"""Kabinet's configuration, read from the environment (and an optional .env file)."""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent
# Before INSTANCE: a server's .env (a link to /etc/kabinet/kabinet.env, docs/DEPLOY.md) may name the instance folder.
load_dotenv(ROOT / ".env")
INSTANCE = Path(os.environ.get("KABINET_INSTANCE", ROOT / "instance"))


def _env(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def _flag(name, default=False):
    return _env(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _int(name, default):
    return int(_env(name, default))


def _development_secret():
    """A secret made once per installation, so development sessions survive restarts."""
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _social_providers():
    """The social networks and OpenID Connect providers named in OIDC_PROVIDERS, each with its OIDC_<NAME>_* settings.

    kabinet.social adds the known endpoints of google, yandex, mailru and vk, and refuses to start without a client id,
    a secret and (for any other name) a discovery URL.
    """
    providers = {}
    for name in (n.strip().lower() for n in _env("OIDC_PROVIDERS", "").split(",")):
        if name:
            prefix = f"OIDC_{name.upper()}_"
            providers[name] = {
                key: _env(prefix + key.upper()) for key in ("client_id", "client_secret", "discovery_url", "title")
            }
    return providers


class Config:
    """Production settings: every secret comes from the environment."""

    ENV_NAME = "production"
    INSTANCE_PATH = str(INSTANCE)

    SECRET_KEY = _env("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE / 'kabinet.sqlite'}")
    # A database server's connections can be dropped under the pool (its restart, a firewall's idle timeout), so each
    # checkout pings first; a SQLite file's never go stale, and there the ping was one more statement every request.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": not SQLALCHEMY_DATABASE_URI.startswith("sqlite")}
    # How long a SQLite writer waits for another's commit before "database is locked" (kabinet.extensions.tune_sqlite).
    SQLITE_BUSY_TIMEOUT_MS = _int("SQLITE_BUSY_TIMEOUT_MS", 10_000)

    BASE_URL = _env("BASE_URL", "http://127.0.0.1:5000")
    EXTRA_TRUSTED_HOSTS = [h.strip() for h in _env("TRUSTED_HOSTS", "").split(",") if h.strip()]
    # How many reverse proxies (nginx...) stand in front: their X-Forwarded-For tells the visitor's real address.
    PROXY_COUNT = _int("PROXY_COUNT", 0)

    # What the organization starts with (kabinet.organizations); the admin's «Организация» is the source after that.
    COMPANY_NAME = _env("COMPANY_NAME", "УК «Наш дом»")
    COMPANY_PHONE = _env("COMPANY_PHONE", "+7 (3952) 599-018")
    COMPANY_EMAIL = _env("COMPANY_EMAIL", "info@example.org")
    # A platform of several organizations speaks in its own name where no organization is the reader's (visitors, a
    # tenant before their first account, the platform administrator): the header, and the From of their e-mails.
    PLATFORM_NAME = _env("PLATFORM_NAME", "")
    PLATFORM_PHONE = _env("PLATFORM_PHONE", "")
    AGREEMENT_FILE = _env("AGREEMENT_FILE")  # while the organization has no agreement text of its own

    PASSWORD_HASH_METHOD = "scrypt"  # werkzeug's default cost: about 70 ms a hash on the 2-core box
    PASSWORD_MIN_LENGTH = _int("PASSWORD_MIN_LENGTH", 8)
    STAFF_PASSWORD_MIN_LENGTH = _int("STAFF_PASSWORD_MIN_LENGTH", 12)
    # The deadline of a request whose category has none set by the company (staff «Сроки заявок»).
    DISPATCH_OVERDUE_HOURS = _int("DISPATCH_OVERDUE_HOURS", 24)
    DISPATCH_REOPEN_DAYS = _int("DISPATCH_REOPEN_DAYS", 3)  # a tenant may send a done request back this long
    PHONE_REGION = _env("PHONE_REGION", "RU")
    CONFIRM_MAX_AGE_HOURS = _int("CONFIRM_MAX_AGE_HOURS", 72)
    RESET_MAX_AGE_HOURS = _int("RESET_MAX_AGE_HOURS", 24)
    REMEMBER_DAYS = _int("REMEMBER_DAYS", 30)
    SESSION_IDLE_HOURS = _int("SESSION_IDLE_HOURS", 12)

    MAIL_SERVER = _env("MAIL_SERVER")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _flag("MAIL_USE_TLS")
    MAIL_USE_SSL = _flag("MAIL_USE_SSL")
    MAIL_USERNAME = _env("MAIL_USERNAME")
    MAIL_PASSWORD = _env("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER", "noreply@example.org")
    MAIL_SUPPRESS_SEND = False
    MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 12)
    # The outbox sends at most this many e-mails a second (0: as fast as the server takes them): a reminder to
    # 100,000 tenants must not trip the SMTP provider's limits. A delivery round sends at most a minute's worth.
    MAIL_RATE_PER_SECOND = _int("MAIL_RATE_PER_SECOND", 10)
    # Who delivers the outbox: "worker" (production) leaves it to `flask --app wsgi worker` and the web processes only
    # queue; "thread" (`make run`'s trial) has each app process deliver in a background thread of its own.
    OUTBOX_COURIER = _env("OUTBOX_COURIER", "worker")
    WORKER_POLL_SECONDS = _int("WORKER_POLL_SECONDS", 3)  # how soon the worker finds mail queued by the web
    WORKER_HEARTBEAT_SECONDS = _int("WORKER_HEARTBEAT_SECONDS", 5)  # 3 missed heartbeats free a worker's claims
    SESSIONS_KEPT_DAYS = _int("SESSIONS_KEPT_DAYS", 90)  # ended or expired logins stay in the sessions list this long
    LOG_FORMAT = _env("LOG_FORMAT", "text")  # "json": one JSON object a line, for a log collector

    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_LOGIN = _env("RATELIMIT_LOGIN", "20/minute;100/hour")
    # Wrong secrets (passwords, codes, code words, control strings) for one subject from one address, and for the
    # subject from all addresses together; the latter holds back only addresses that failed (kabinet/limits.py).
    RATELIMIT_SECRET = _env("RATELIMIT_SECRET", "5/minute;20/hour")
    RATELIMIT_SECRET_PER_SUBJECT = _env("RATELIMIT_SECRET_PER_SUBJECT", "30/hour;100/day")
    RATELIMIT_REGISTRATION = _env("RATELIMIT_REGISTRATION", "10/hour")
    RATELIMIT_RECOVERY = _env("RATELIMIT_RECOVERY", "5/minute;20/hour")
    # E-mails with links and codes to one mailbox (recovery, a new confirmation, an e-mail change), from any address.
    RATELIMIT_MAILBOX = _env("RATELIMIT_MAILBOX", "3/10 minutes;10/day")
    RATELIMIT_CODE = _env("RATELIMIT_CODE", "10/minute;30/hour")
    RATELIMIT_FEEDBACK = _env("RATELIMIT_FEEDBACK", "5/hour")
    # What a logged-in tenant files (a dispatch request, a comment, a book entry), each form on its own counter; every
    # POST counts, one with a mistake too, as it costs the same work (its photos decoded). The address limit is for one
    # person with many logins; it is higher because a mobile operator puts many subscribers behind one address.
    RATELIMIT_SUBMISSIONS = _env("RATELIMIT_SUBMISSIONS", "10/hour;30/day")
    RATELIMIT_SUBMISSIONS_PER_ADDRESS = _env("RATELIMIT_SUBMISSIONS_PER_ADDRESS", "60/hour")

    # One import, in the browser or by `flask import`, refused past these: bench/imports.py's 300,000 meters take
    # 20–45 s from CSV, ~100 s from an XLSX of 105 MB unpacked. gunicorn's --timeout stays above IMPORT_MAX_SECONDS.
    IMPORT_MAX_ROWS = _int("IMPORT_MAX_ROWS", 500_000)
    IMPORT_MAX_UNPACKED_MB = _int("IMPORT_MAX_UNPACKED_MB", 200)
    IMPORT_MAX_SECONDS = _int("IMPORT_MAX_SECONDS", 300)
    # A document's PDF («Документы»), kept in the database: a scanned report of a few dozen pages. Under
    # MAX_CONTENT_LENGTH (16 MB), past which the whole form is refused before it is read.
    DOCUMENT_MAX_MB = _int("DOCUMENT_MAX_MB", 10)

    # `flask --app wsgi backup create --prune` (the timer's) writes here and keeps the newest backup of each day for
    # BACKUP_DAILY_FOR_DAYS days, then the newest of each week up to BACKUP_WEEKLY_FOR_DAYS days old.
    BACKUP_DIR = _env("BACKUP_DIR", str(INSTANCE / "backups"))
    BACKUP_DAILY_FOR_DAYS = _int("BACKUP_DAILY_FOR_DAYS", 7)
    BACKUP_WEEKLY_FOR_DAYS = _int("BACKUP_WEEKLY_FOR_DAYS", 31)

    # Sign in through a social network or an OpenID Connect provider: OIDC_PROVIDERS="google,yandex,keycloak" and, for
    # each, OIDC_<NAME>_CLIENT_ID, OIDC_<NAME>_CLIENT_SECRET, OIDC_<NAME>_DISCOVERY_URL, OIDC_<NAME>_TITLE (the button).
    SOCIAL_PROVIDERS = _social_providers()
    FORM_ACTION_ORIGINS = []  # where the providers' buttons send the browser: kabinet.social fills it in for the CSP

    # The Telegram bot (kabinet/telegram): invisible without a token. Updates come by webhook (its secret checked
    # against the X-Telegram-Bot-Api-Secret-Token header) or, without a public address, by polling in the worker.
    TELEGRAM_BOT_TOKEN = _env("TELEGRAM_BOT_TOKEN")
    TELEGRAM_BOT_USERNAME = _env("TELEGRAM_BOT_USERNAME")  # the deep link's; asked of getMe when unset
    TELEGRAM_API_URL = _env("TELEGRAM_API_URL", "https://api.telegram.org")
    TELEGRAM_WEBHOOK_SECRET = _env("TELEGRAM_WEBHOOK_SECRET")
    TELEGRAM_MODE = _env("TELEGRAM_MODE", "webhook")  # "webhook" or "polling"
    # Under the Bot API's ~30 a second (0: no limit, as for the e-mail); a delivery round sends at most 10 s' worth.
    TELEGRAM_RATE_PER_SECOND = float(_env("TELEGRAM_RATE_PER_SECOND", 25))
    TELEGRAM_MAX_ATTEMPTS = _int("TELEGRAM_MAX_ATTEMPTS", 12)

    BABEL_DEFAULT_LOCALE = "ru"
    BABEL_DEFAULT_TIMEZONE = _env("TIMEZONE", "Europe/Moscow")
    LANGUAGES = {"ru": "Русский", "en": "English", "kk": "Қазақша"}

    BOOTSTRAP_SERVE_LOCAL = True
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None  # a form left open overnight still submits; the token dies with the session

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    @classmethod
    def finalize(cls, settings):
        """Fill the settings derived from others; refuse to start without what production needs."""
        settings["BASE_URL"] = settings["BASE_URL"].rstrip("/")
        base = urlsplit(settings["BASE_URL"])
        if base.scheme not in {"http", "https"} or not base.hostname:
            raise RuntimeError(f"BASE_URL must be an http(s) address, not {settings['BASE_URL']!r}")
        secure = base.scheme == "https"
        settings.setdefault("SESSION_COOKIE_SECURE", secure)
        settings.setdefault("REMEMBER_COOKIE_SECURE", secure)
        # __Host-: the browser keeps the cookie only if it is Secure, for "/", and for this host alone.
        prefix = "__Host-" if secure else ""
        settings.setdefault("SESSION_COOKIE_NAME", f"{prefix}session")
        settings.setdefault("REMEMBER_COOKIE_NAME", f"{prefix}remember_token")
        settings.setdefault("DEVICE_COOKIE_NAME", f"{prefix}device")  # a browser the user logged in from (limits.py)
        settings.setdefault("PREFERRED_URL_SCHEME", base.scheme)
        settings.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=settings["REMEMBER_DAYS"]))
        settings.setdefault("TRUSTED_HOSTS", [base.hostname, *settings["EXTRA_TRUSTED_HOSTS"]])
        if not settings.get("SECRET_KEY") and settings["ENV_NAME"] == "development":
            settings["SECRET_KEY"] = _development_secret()
        if settings["OUTBOX_COURIER"] not in {"worker", "thread"}:
            raise RuntimeError(f"OUTBOX_COURIER must be worker or thread, not {settings['OUTBOX_COURIER']!r}")
        if settings["LOG_FORMAT"] not in {"text", "json"}:
            raise RuntimeError(f"LOG_FORMAT must be text or json, not {settings['LOG_FORMAT']!r}")
        if settings["TELEGRAM_MODE"] not in {"webhook", "polling"}:
            raise RuntimeError(f"TELEGRAM_MODE must be webhook or polling, not {settings['TELEGRAM_MODE']!r}")
        if settings["TELEGRAM_BOT_TOKEN"] and settings["TELEGRAM_MODE"] == "webhook":
            if not settings.get("TELEGRAM_WEBHOOK_SECRET"):  # anyone could post updates in a tenant's name
                raise RuntimeError("TELEGRAM_WEBHOOK_SECRET is not set: the Telegram webhook would trust anyone.")
        if not settings.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY is not set: Kabinet refuses to start in production without it.")


class DevConfig(Config):
    """`make run`: a secret kept under instance/, e-mails written to instance/outbox/."""

    ENV_NAME = "development"
    OUTBOX_COURIER = _env("OUTBOX_COURIER", "thread")  # the trial runs no worker
    # An edited template or style shows on the next page (production: kabinet.assets.watched, docs/DEPLOY.md).
    TEMPLATES_AUTO_RELOAD = True
    EXTRA_TRUSTED_HOSTS = [*Config.EXTRA_TRUSTED_HOSTS, "127.0.0.1", "localhost"]


class TestConfig(Config):
    """The test suite: its own database and addresses, mail delivered when a test asks."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"
    BASE_URL = "http://localhost"
    MAIL_SERVER = None
    OUTBOX_COURIER = "worker"  # nothing delivers behind a test's back: it delivers when it asks (`deliver`)
    RATELIMIT_ENABLED = False
    MAIL_RATE_PER_SECOND = 0  # the local SMTP server takes any pace; tests/test_notifications.py checks the pacing
    WTF_CSRF_ENABLED = False
    SOCIAL_PROVIDERS = {}  # the tests configure their own local provider
    # Still scrypt, at a cost of 2 ms: the suite hashes and checks thousands of passwords.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"


CONFIGS = {"production": Config, "development": DevConfig, "test": TestConfig}


def from_environment():
    """The config class named by KABINET_ENV (production unless told otherwise)."""
    name = _env("KABINET_ENV", "production")
    if name not in CONFIGS:
        raise RuntimeError(f"KABINET_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
