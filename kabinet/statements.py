"""Statements built once per process and found again by a short key."""

from functools import cache, wraps

from sqlalchemy import lambda_stmt


def built_once(make):
    """A decorator: the statement `make()` returns, built on the first call and kept for the process, wrapped so that
    SQLAlchemy finds its compiled SQL by a key of three fields. A plain statement is looked up by its whole cache key,
    a nested tuple that Python hashes anew on every execution: for the cabinet home's union of a dozen selects that
    alone cost more than several of its selects do in SQLite (docs/BENCHMARKS.md, issue 11's sixth pass).

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
