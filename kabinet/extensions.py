"""The Flask extensions as bare instances, bound to the app in create_app()."""

import ipaddress

from flask import request
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep migrations portable between SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
mail = Mail()
csrf = CSRFProtect()


def client_address() -> str:
    """Who the rate limits count: the visitor's address, or for IPv6 its /64 network, since one subscriber is given a
    whole /64 and could otherwise come from 2^64 addresses."""
    address = request.remote_addr or ""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return address
    if parsed.ipv4_mapped is not None:  # ::ffff:203.0.113.7 is the IPv4 visitor 203.0.113.7
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False))


limiter = Limiter(key_func=client_address)
babel = Babel()
bootstrap = Bootstrap5()


def tune_sqlite(engine, busy_timeout_ms: int) -> None:
    """Let SQLite take the month-end peak: readers never wait for a writer (WAL), and a writer waits its turn for up to
    `busy_timeout_ms` instead of failing at once with "database is locked". A no-op on other databases."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(connection, _record):
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # kept in the file; an in-memory database answers "memory"
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()
