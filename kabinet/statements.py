"""Reading plain rows cheaply: statements built once and found again by a short key, and the connection to run them on.

The cabinet home, every tenant's first page, reads everything it shows in three statements; what SQLAlchemy does
around a statement, and the ORM session a page would open only to run them, cost as much again as SQLite's own work
(docs/BENCHMARKS.md, issue 11's sixth pass).
"""

from functools import cache, wraps

from flask import g
from sqlalchemy import Connection, lambda_stmt

from kabinet.extensions import db

READER = "kabinet_reader"  # the app context's own connection (g)


def built_once(make):
    """A decorator: the statement `make()` returns, built on the first call and kept for the process, wrapped so that
    SQLAlchemy finds its compiled SQL by a key of three fields. A plain statement is looked up by its whole cache key,
    a nested tuple that Python hashes anew on every execution: for the cabinet home's union of a dozen selects that
    alone cost more than several of its selects do in SQLite.

    For statements that take every value as a named parameter when executed: a value written into the statement
    (a LIMIT, a status compared) is the one of the first build, as it is for any statement built once."""
    name = f"{make.__module__}.{make.__qualname__}"

    @cache
    @wraps(make)
    def statement():
        built = make()
        # All the decorated statements share this one lambda: `name` in the key (track_on) keeps their compiled SQL
        # apart, and the statement itself is left out of it (track_closure_variables), which is the point.
        return lambda_stmt(lambda: built, track_closure_variables=False, track_on=[name])

    return statement


def connection() -> Connection:
    """The connection to read rows with in this app context: the ORM session's while it is in a transaction, so that
    what this request wrote and has not committed is read back; else a connection of the context's own, taken from
    the pool on first use and given back when the context ends, so that a page that only reads never makes an ORM
    session (making one and closing it cost the cabinet home as much as one of its statements)."""
    if db.session.registry.has() and db.session().in_transaction():
        return db.session.connection()
    reader = g.get(READER)
    if reader is None:
        reader = db.engine.connect()
        setattr(g, READER, reader)
    return reader


def init_app(app) -> None:
    @app.teardown_appcontext
    def _close_reader(_error=None):
        reader = g.pop(READER, None)
        if reader is not None:
            reader.close()
