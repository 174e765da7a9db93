"""The photos of a request: checked by their content, re-encoded clean, kept in the database (kabinet.storage).

Nothing a tenant uploads is stored as it came: Pillow decodes the pixels and writes a new file, so EXIF (the GPS
position of the tenant's home), comments and anything appended to the image are left behind.
"""

import warnings
from dataclasses import dataclass
from io import BytesIO

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from kabinet import storage
from kabinet.models import DispatchPhoto

MAX_PHOTOS = 3
MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 2560  # px: enough to see a crack, small enough for a phone on mobile data
# A 5 MB file may claim gigapixels (a decompression bomb): the size its header claims is checked before any pixel is
# decoded. A JPEG is decoded already reduced to about MAX_SIDE (libjpeg scales by 1/2, 1/4 or 1/8 while decoding), so
# what is decoded stays under (2 × MAX_SIDE)² whatever the photo, and a 50 MP photo costs what a 12 MP one does: 80 MP
# takes every phone's full resolution up to 64 MP (9248 × 6936) at that cost. The 108 and 200 MP modes are refused:
# rare, and their files of 15–50 MB are over MAX_BYTES anyway, so the tenant would be refused either way; the message
# says to use the camera's usual mode. A PNG (a screenshot, a scan) can only be decoded whole: 16 MP is a 300-dpi A4
# scan twice over, 64 MB in memory. Both stay under Pillow's own bomb check (89 MP).
# One request so decodes at most MAX_PHOTOS such images, one at a time: a few seconds of one core at worst.
MAX_PIXELS = {"JPEG": 80_000_000, "PNG": 16_000_000}
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}


class Refused(Exception):
    """A file that is not a JPEG or PNG photo we accept; the message says why, for the tenant."""


@dataclass(frozen=True)
class Photo:
    """A photo ready to store: the re-encoded bytes and what they are."""

    data: bytes
    content_type: str


def reencode(name: str, stream) -> Photo:
    """The upload's pixels written afresh as JPEG or PNG (the type it really is), upright and without metadata."""
    raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise Refused(_l("Файл «%(name)s» больше 5 МБ.", name=name))
    not_a_photo = Refused(_l("Файл «%(name)s» не является фотографией в формате JPEG или PNG.", name=name))
    too_big = Refused(
        _l(
            "Файл «%(name)s»: слишком большое изображение. Подойдёт JPEG до %(jpeg)d Мп или PNG до %(png)d Мп: "
            "снимите в обычном режиме камеры или уменьшите изображение.",
            name=name,
            jpeg=MAX_PIXELS["JPEG"] // 1_000_000,
            png=MAX_PIXELS["PNG"] // 1_000_000,
        )
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(raw), formats=tuple(FORMATS)) as image:
                kind = "PNG" if image.format == "PNG" else "JPEG"  # a phone's MPO is a JPEG with extras
                if image.width * image.height > MAX_PIXELS[kind]:
                    raise too_big
                if kind == "JPEG":
                    image.draft(None, _shown_size(image.size))
                image.load()
                transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                clean = image.convert("RGBA" if transparent and kind == "PNG" else "RGB")  # a copy, with the EXIF
    # Image.open() checks the size in the header against Pillow's own limit before decoding anything.
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_big from exc
    # SyntaxError and ValueError are what Pillow's plugins raise on a damaged file.
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise not_a_photo from exc
    clean.thumbnail((MAX_SIDE, MAX_SIDE))
    clean = ImageOps.exif_transpose(clean)  # turned upright once small: a cheaper copy
    clean.info = {}
    out = BytesIO()
    if kind == "JPEG":
        clean.save(out, "JPEG", quality=85, optimize=True)
    else:
        clean.save(out, "PNG")  # optimize=True tries zlib's level 9: seconds for a noisy 2560 px image
    return Photo(out.getvalue(), FORMATS[kind])


def _shown_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size a photo is stored at (its long side at most MAX_SIDE): a JPEG need not be decoded any larger."""
    scale = min(1, MAX_SIDE / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def stored(photo: Photo) -> DispatchPhoto:
    """The photo as a request's photo, its bytes kept in the database (kabinet.storage) with the request's commit."""
    return DispatchPhoto(file=storage.put(photo.data, kind="photo", content_type=photo.content_type))
