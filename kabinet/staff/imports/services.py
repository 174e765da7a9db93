"""Uploads of the accounting files: kept in the database between the preview and "Применить", named by a signed
token.

The file is a StoredFile (kabinet.storage), so whichever app server answers «Применить» finds it; the browser only
ever holds a token signed for the user who uploaded it, so one staff user cannot apply another's upload.
"""

import mimetypes
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePosixPath

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from kabinet import audit, storage, tokens
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.imports import services as imports
from kabinet.imports.reader import FileProblem
from kabinet.models import Organization, StoredFile, User

KIND_LABELS = {
    "accounts": _l("Лицевые счета"),
    "meters": _l("Счётчики и показания"),
    "charges": _l("Начисления"),
    "payments": _l("Оплаты"),
}
SUFFIXES = ("csv", "txt", "xlsx")
KEPT_FOR = 24 * 3600  # seconds an upload waits for "Применить" before its token dies and the file is swept
TOKEN_PURPOSE = "staff-import"
FILE_KIND = "import"  # StoredFile.kind


@dataclass(frozen=True)
class Upload:
    """A file uploaded by a staff user for an import of one kind, waiting for the preview and "Применить"."""

    file_id: int  # a StoredFile's
    kind: str
    name: str  # as it was called on the user's computer, for the pages and the audit log
    token: str


def store(stream, filename: str, kind: str, user: User) -> Upload:
    """Keep an uploaded file in the database; the token that names it works for this user only, for a day (the
    worker's "import-uploads" job sweeps it after that)."""
    name = PurePosixPath(filename.replace("\\", "/")).name[-128:] or "file"
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    stored = storage.put(stream.read(), kind=FILE_KIND, content_type=content_type, name=name)
    db.session.commit()  # before the preview, whose transaction is rolled back
    token = tokens.dump(TOKEN_PURPOSE, {"user": user.id, "proof": _proof(user), "file": stored.id, "kind": kind})
    return Upload(stored.id, kind, name, token)


def _proof(user: User) -> str:
    # Who previewed it, for which organization, with the role they had then: "Применить" re-checks all three.
    return tokens.user_state(user, user.organization_id, user.role)


def find(token: str, user: User) -> Upload | None:
    """The upload a token names, if this user previewed it in their organization with their present rights (no
    change of role, block, password or e-mail since), younger than a day, still kept and not being applied."""
    try:
        payload = tokens.load(TOKEN_PURPOSE, token or "", max_age=KEPT_FOR)
    except tokens.Invalid:
        return None
    if not isinstance(payload, dict) or payload.get("user") != user.id or payload.get("proof") != _proof(user):
        return None
    if payload.get("kind") not in KIND_LABELS or not isinstance(payload.get("file"), int):
        return None
    stored = storage.get(payload["file"], FILE_KIND)
    if stored is None or stored.claimed_at is not None:
        return None
    return Upload(stored.id, payload["kind"], stored.name, token)


def preview(upload: Upload, organization: Organization) -> imports.Report:
    """What applying the upload would change; raises ImportFailed or FileProblem, and then the file is deleted."""
    try:
        with storage.local_copy(upload.file_id) as path:
            return imports.preview(upload.kind, path, organization)
    except (imports.ImportFailed, FileProblem):
        discard(upload)  # a file with mistakes cannot be applied: the user fixes it and uploads it again
        raise


class Gone(Exception):
    """The upload was applied (or is being applied) by another request: a double click, a second tab."""


def apply(upload: Upload, organization: Organization) -> imports.Report:
    """Import the upload for good, with its audit row and the file's deletion in the same transaction; a failed
    import deletes the file too. Raises Gone when another request claimed the file first."""
    # A conditional UPDATE, committed at once: of two requests at once (a double click, a second tab, another app
    # server), one claims the file and the other is told at once instead of waiting for the import to end.
    if not storage.claim(upload.file_id):
        db.session.rollback()
        raise Gone(upload.name)
    db.session.commit()
    try:
        with storage.local_copy(upload.file_id) as path:
            report = imports.load(upload.kind, path, organization)
        audit.record("import.apply", target=upload.name, details=f"{upload.kind}: {report}")
        storage.delete(upload.file_id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard(upload)
        raise
    return report


def discard(upload: Upload) -> None:
    """Delete the uploaded file: it was applied, or it cannot be."""
    storage.delete(upload.file_id)
    db.session.commit()


def sweep_uploads(older_than: timedelta = timedelta(seconds=KEPT_FOR)) -> int:
    """Delete the uploads kept longer than `older_than` (their tokens die after a day, so no one can apply them any
    more), those of an apply that died half-way included; the number deleted."""
    swept = db.session.execute(
        delete(StoredFile).where(StoredFile.kind == FILE_KIND, StoredFile.created_at < utcnow() - older_than)
    )
    db.session.commit()
    return swept.rowcount
