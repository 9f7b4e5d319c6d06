"""Is it an image we accept, and its copies to keep: pure (bytes in, bytes out).

Only still images a phone sends (JPEG, PNG, GIF, WebP), checked by decoding them, not by
the type the sender declared. What is kept is re-encoded: EXIF (GPS position, device) is
dropped and the orientation applied, so a photo of a calf never says where the patient
lives. The thumbnail is a small JPEG for pages.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
THUMBNAIL = (320, 320)
MAX_PIXELS = 40_000_000  # a phone photo is 12-50 MP; more is a decompression bomb


class NotAcceptable(Exception):
    """Refused for good: not an image we accept, or too large."""


@dataclass(frozen=True)
class Photo:
    content_type: str
    data: bytes  # re-encoded, without metadata
    thumbnail: bytes  # JPEG
    width: int
    height: int
    sha256: str  # of what was received


def accept(data: bytes, *, max_bytes: int) -> Photo:
    if len(data) > max_bytes:
        raise NotAcceptable(f"larger than {max_bytes // (1024 * 1024)} MB")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format or ""
            if kind not in FORMATS:
                raise NotAcceptable(f"not a photo we accept ({kind or 'unknown'}); "
                                    "JPEG, PNG, GIF or WebP")
            if probe.width * probe.height > MAX_PIXELS:
                raise NotAcceptable(f"{probe.width}x{probe.height} pixels is too large")
            probe.load()
            image = ImageOps.exif_transpose(probe)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError,
            ValueError) as exc:
        raise NotAcceptable(f"not a readable image ({type(exc).__name__})") from None
    return Photo(FORMATS[kind], _encode(image, kind), _thumbnail(image), image.width,
                 image.height, hashlib.sha256(data).hexdigest())


def _encode(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=90)  # no exif= : metadata dropped
    else:
        image.save(out, kind)
    return out.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    small = image.convert("RGB")
    small.thumbnail(THUMBNAIL)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue()
