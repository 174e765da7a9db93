"""The photos of a request: checked by their content, re-encoded clean, kept under the instance folder.

Nothing a tenant uploads is stored as it came: Pillow decodes the pixels and writes a new file, so EXIF (the GPS
position of the tenant's home), comments and anything appended to the image are left behind.
"""

import secrets
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from flask import abort, current_app, send_file
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTOS = 3
MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 2560  # px: enough to see a crack, small enough for a phone on mobile data
# A 5 MB file may claim gigapixels (a decompression bomb); no phone camera makes more than this.
MAX_PIXELS = 60_000_000
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}


class Refused(Exception):
    """A file that is not a JPEG or PNG photo we accept; the message says why, for the tenant."""


@dataclass(frozen=True)
class Photo:
    """A photo ready to store: the re-encoded bytes and what they are."""

    data: bytes
    content_type: str
    extension: str


def reencode(name: str, stream) -> Photo:
    """The upload's pixels written afresh as JPEG or PNG (the type it really is), upright and without metadata."""
    raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise Refused(_l("Файл «%(name)s» больше 5 МБ.", name=name))
    not_a_photo = Refused(_l("Файл «%(name)s» не является фотографией в формате JPEG или PNG.", name=name))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(raw), formats=tuple(FORMATS)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise not_a_photo
                image.load()
                kind = "PNG" if image.format == "PNG" else "JPEG"  # a phone's MPO is a JPEG with extras
                transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                clean = ImageOps.exif_transpose(image)
    # SyntaxError and ValueError are what Pillow's plugins raise on a damaged file.
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
            SyntaxError, ValueError) as exc:  # fmt: skip
        raise not_a_photo from exc
    clean = clean.convert("RGBA" if transparent and kind == "PNG" else "RGB")
    clean.info = {}
    clean.thumbnail((MAX_SIDE, MAX_SIDE))
    out = BytesIO()
    if kind == "JPEG":
        clean.save(out, "JPEG", quality=85, optimize=True)
    else:
        clean.save(out, "PNG", optimize=True)
    content_type, extension = FORMATS[kind]
    return Photo(out.getvalue(), content_type, extension)


def folder() -> Path:
    """Where the photos live: inside the instance folder, never under static/, so only a checked route serves them."""
    return Path(current_app.instance_path) / "uploads" / "dispatch"


def save(photo: Photo) -> str:
    """Write the photo under a random name (the tenant's file name is never used) and return that name."""
    name = f"{secrets.token_hex(16)}.{photo.extension}"
    folder().mkdir(parents=True, exist_ok=True)
    (folder() / name).write_bytes(photo.data)
    return name


def remove(names) -> None:
    """Delete stored photos whose request was not saved after all."""
    for name in names:
        (folder() / name).unlink(missing_ok=True)


def response(photo):
    """The stored photo as an answer for its author or the staff: private, never cached, never sniffed; 404 when the
    row or its file is missing."""
    path = folder() / photo.filename if photo is not None else None
    if path is None or not path.is_file():
        abort(404)
    answer = send_file(path, mimetype=photo.content_type, max_age=0)
    answer.headers["Cache-Control"] = "private, no-store"
    answer.headers["X-Content-Type-Options"] = "nosniff"
    return answer
