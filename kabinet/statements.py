"""Reading plain rows cheaply: statements built once and found again by a short key, and the connection to run them on.

The cabinet home, every tenant's first page, reads everything it shows in three statements; what SQLAlchemy does
around a statement, and the ORM session a page would open only to run them, cost as much again as SQLite's own work
(docs/BENCHMARKS.md, issue 11's sixth pass).
"""

from functools import cache, wraps
from itertools import count

from flask import g, has_request_context
from sqlalchemy import Connection, lambda_stmt

from kabinet.extensions import db

READER = "kabinet_reader"  # the request's own connection (g)
BUILDS = count()  # numbers each statement built, for its key


def built_once(make):
    """A decorator: the statement `make()` returns, built on the first call and kept for the process, wrapped so that
    SQLAlchemy finds its compiled SQL by a key of three fields. A plain statement is looked up by its whole cache key,
    a nested tuple that Python hashes anew on every execution: for the cabinet home's union of a dozen selects that
    alone cost more than several of its selects do in SQLite.

    For statements that take every value as a named parameter when executed: a value written into the statement
    (a LIMIT, a status compared) is the one of the first build, as it is for any statement built once."""
    name = f"{make.__module__}.{make.__qualname__}"  # to read a key by: the build's number is what makes it unique

    @cache
    @wraps(make)
    def statement():
        built = make()
        # Every statement made here shares this one lambda, and SQLAlchemy keeps what it compiled for a lambda by its
        # key for the whole process: each build gets a key of its own (track_on), so that no two statements, of the
        # same name or rebuilt after cache_clear(), ever share their SQL. The statement itself stays out of the key
        # (track_closure_variables), which is the point.
        return lambda_stmt(lambda: built, track_closure_variables=False, track_on=[f"{name}#{next(BUILDS)}"])

    return statement


def reading_connection() -> Connection:
    """The connection a request reads plain rows on: the ORM session's while it is in a transaction, so that what
    the request wrote and has not committed yet is read back; else the request's own, taken from the pool on first
    use and given back when the request ends, so that a page that only reads never makes an ORM session (making one
    and closing it cost the cabinet home as much as one of its statements). Outside a request (a command, the worker,
    whose app context lives as long as it does) it is the ORM session's.

    The request's own connection reads in autocommit (SQLite's driver does by itself): each statement sees what is
    committed when it runs, and no transaction stays open between them. One left open for the request would hold its
    lock on the tables it read (PostgreSQL) while the same request writes through the ORM session on another
    connection: a migration waiting for that lock, and the write waiting behind the migration, would hang the request
    with no deadlock for the database to detect."""
    if not has_request_context() or (db.session.registry.has() and db.session().in_transaction()):
        return db.session.connection()
    reader = g.get(READER)
    if reader is None:
        reader = db.engine.connect()
        if reader.dialect.name != "sqlite":
            # SQLite's driver begins no transaction to read, and switching it to autocommit would throw away its
            # prepared statements at every request (the home's union, prepared anew: +0.6 ms).
            reader = reader.execution_options(isolation_level="AUTOCOMMIT")
        setattr(g, READER, reader)
    return reader


def init_app(app) -> None:
    @app.teardown_appcontext
    def _close_reader(_error=None):
        reader = g.pop(READER, None)
        if reader is not None:
            reader.close()
