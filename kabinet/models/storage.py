"""Files kept in the database (kabinet.storage): a request's photos and the accounting files waiting for «Применить»."""

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from kabinet.clock import utcnow
from kabinet.extensions import db


class StoredFile(db.Model):
    """One file's bytes (bytea on PostgreSQL, a BLOB on SQLite) and what they are, so that any app server serves it
    and a backup of the database holds it."""

    __tablename__ = "stored_files"
    # AUTOINCREMENT: SQLite would otherwise give a deleted file's id to the next one, and a signed link to an applied
    # upload would then name someone else's.
    __table_args__ = (Index("ix_stored_files_kind_created_at", "kind", "created_at"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # photo | import | document
    # An import: as on the user's computer. A photo: "", or its old file name when the migration moved it here.
    name: Mapped[str] = mapped_column(String(128), default="")
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))  # the ETag: the same on every server
    # Deferred: a list of files (a request's photos) never loads their bytes; only kabinet.storage.read() does.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # Taken by one request that is consuming the file (an import's «Применить»): a second one finds it gone.
    claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
