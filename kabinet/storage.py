"""Files kept in the database (bytea on PostgreSQL, a BLOB on SQLite): any app server serves them, and a backup of
the database holds them all.

A file's bytes are loaded only by read() and copied in chunks by local_copy(): never with a list of files. Who may
see a file is the caller's rule: a route finds the file through its own access check and hands response() the file
or None (a 404), so a file id alone opens nothing.
"""

import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import Response, abort, request
from sqlalchemy import LargeBinary, func, select, update

from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import StoredFile

CHUNK = 1024 * 1024  # bytes read at once by local_copy(): an import of 16 MB never sits in memory whole
PRIVATE = "private, no-store"  # a tenant's photo stays out of shared proxies and off the browser's disk


def put(content: bytes, *, kind: str, content_type: str, name: str = "") -> StoredFile:
    """A new file in the session, with its size and SHA-256; it is written with the caller's commit."""
    stored = StoredFile(
        kind=kind,
        name=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        data=content,
    )
    db.session.add(stored)
    return stored


def get(file_id: int, kind: str) -> StoredFile | None:
    """The description of a file of this kind (its bytes are not loaded); None when there is none."""
    return db.session.scalar(select(StoredFile).where(StoredFile.id == file_id, StoredFile.kind == kind))


def read(stored: StoredFile) -> bytes:
    """The file's bytes, in one query."""
    return db.session.scalar(select(StoredFile.data).where(StoredFile.id == stored.id)) or b""


@contextmanager
def local_copy(file_id: int) -> Iterator[Path]:
    """The file copied to a temporary file for code that reads a path (the import's reader), deleted afterwards."""
    with tempfile.NamedTemporaryFile(prefix="kabinet-") as target:
        start = 1  # SQL counts from 1
        while chunk := db.session.scalar(
            select(func.substr(StoredFile.data, start, CHUNK, type_=LargeBinary)).where(StoredFile.id == file_id)
        ):
            target.write(chunk)
            start += len(chunk)
        target.flush()
        yield Path(target.name)


def claim(file_id: int) -> bool:
    """Take the file for one request: of two at once, exactly one gets True (a conditional UPDATE; commit it)."""
    taken = db.session.execute(
        update(StoredFile).where(StoredFile.id == file_id, StoredFile.claimed_at.is_(None)).values(claimed_at=utcnow())
    )
    return taken.rowcount == 1


def delete(file_id: int) -> None:
    """Delete the file with the caller's commit."""
    db.session.execute(sa.delete(StoredFile).where(StoredFile.id == file_id))


def response(stored: StoredFile | None, cache: str = PRIVATE) -> Response:
    """The file as an answer: its own type, never sniffed, its SHA-256 as the ETag (the same on every server), so a
    client that has it gets a 304 without the bytes being read; 404 for None."""
    if stored is None:
        abort(404)
    if request.if_none_match.contains(stored.sha256):
        answer = Response(status=304)
    else:
        answer = Response(read(stored), mimetype=stored.content_type)
    answer.set_etag(stored.sha256)
    answer.headers["Cache-Control"] = cache
    answer.headers["X-Content-Type-Options"] = "nosniff"
    return answer
