"""Uploads of the accounting files: kept on the server between the preview and "Применить", named by a signed token.

The file lives in the instance folder under a random name; the browser only ever holds a token signed for the user
who uploaded it, so no path from a form is trusted and one staff user cannot apply another's upload.
"""

import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask import current_app
from flask_babel import lazy_gettext as _l

from kabinet import audit, tokens
from kabinet.extensions import db
from kabinet.imports import services as imports
from kabinet.imports.reader import FileProblem
from kabinet.models import Organization, User

KIND_LABELS = {
    "accounts": _l("Лицевые счета"),
    "meters": _l("Счётчики и показания"),
    "charges": _l("Начисления"),
    "payments": _l("Оплаты"),
}
SUFFIXES = ("csv", "txt", "xlsx")
KEPT_FOR = 24 * 3600  # seconds an upload waits for "Применить" before its token dies and the file is swept
TOKEN_PURPOSE = "staff-import"
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:csv|txt|xlsx|applying)")  # .applying: claimed by «Применить»


@dataclass(frozen=True)
class Upload:
    """A file uploaded by a staff user for an import of one kind, waiting for the preview and "Применить"."""

    path: Path
    kind: str
    name: str  # as it was called on the user's computer, for the pages and the audit log
    token: str


def folder() -> Path:
    return Path(current_app.instance_path) / "uploads" / "imports"


def store(stream, filename: str, kind: str, user: User) -> Upload:
    """Save an uploaded file under a random name; the token that names it works for this user only, for a day."""
    sweep()
    name = PurePosixPath(filename.replace("\\", "/")).name[-128:] or "file"
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else "csv"
    stored = f"{secrets.token_hex(16)}.{suffix if suffix in SUFFIXES else 'csv'}"
    path = folder() / stored
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as target:
        while chunk := stream.read(1024 * 1024):
            target.write(chunk)
    token = tokens.dump(TOKEN_PURPOSE, {"user": user.id, "proof": _proof(user), "file": stored, "kind": kind,
                                        "name": name})  # fmt: skip
    return Upload(path, kind, name, token)


def _proof(user: User) -> str:
    # Who previewed it, for which organization, with the role they had then: "Применить" re-checks all three.
    return tokens.user_state(user, user.organization_id, user.role)


def find(token: str, user: User) -> Upload | None:
    """The upload a token names, if this user previewed it in their organization with their present rights (no
    change of role, block, password or e-mail since), younger than a day and still on disk."""
    try:
        payload = tokens.load(TOKEN_PURPOSE, token or "", max_age=KEPT_FOR)
    except tokens.Invalid:
        return None
    if not isinstance(payload, dict) or payload.get("user") != user.id or payload.get("proof") != _proof(user):
        return None
    if payload.get("kind") not in KIND_LABELS:
        return None
    if not STORED_NAME.fullmatch(str(payload.get("file"))):
        return None
    path = folder() / payload["file"]
    return Upload(path, payload["kind"], str(payload.get("name", "")), token) if path.is_file() else None


def preview(upload: Upload, organization: Organization) -> imports.Report:
    """What applying the upload would change; raises ImportFailed or FileProblem, and then the file is deleted."""
    try:
        return imports.preview(upload.kind, upload.path, organization)
    except (imports.ImportFailed, FileProblem):
        discard(upload)  # a file with mistakes cannot be applied: the user fixes it and uploads it again
        raise


class Gone(Exception):
    """The upload was applied (or is being applied) by another request: a double click, a second tab."""


def apply(upload: Upload, organization: Organization) -> imports.Report:
    """Import the upload for good, with its audit row in the same transaction; the file is deleted either way.
    Raises Gone when another request claimed the file first."""
    claimed = upload.path.with_suffix(".applying")
    try:
        upload.path.rename(claimed)  # atomic: of two requests at once, one renames the file and the other finds none
    except FileNotFoundError:
        raise Gone(upload.name) from None
    upload = Upload(claimed, upload.kind, upload.name, upload.token)
    try:
        report = imports.load(upload.kind, upload.path, organization)
        audit.record("import.apply", target=upload.name, details=f"{upload.kind}: {report}")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        discard(upload)
    return report


def discard(upload: Upload) -> None:
    upload.path.unlink(missing_ok=True)


def sweep() -> None:
    """Delete the uploads older than a day: their tokens no longer work, so no one can apply them."""
    if not folder().is_dir():
        return
    oldest = time.time() - KEPT_FOR
    for path in folder().iterdir():
        try:
            if STORED_NAME.fullmatch(path.name) and path.stat().st_mtime < oldest:
                path.unlink()
        except FileNotFoundError:
            pass  # applied or swept by another request meanwhile
