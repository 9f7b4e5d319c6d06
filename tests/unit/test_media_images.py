"""Photos patients send: only real still images are kept, without their metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from aftercare.media.images import MAX_PIXELS, NotAcceptable, accept

MB = 1024 * 1024


def jpeg_with_gps_rotated() -> bytes:
    image = Image.new("RGB", (400, 200), (10, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees to show
    exif[0x8825] = {1: "N", 2: (40.0, 44.0, 54.0)}  # GPS position
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_kept_upright_without_its_metadata_and_thumbnailed() -> None:
    photo = accept(jpeg_with_gps_rotated(), max_bytes=5 * MB)
    assert photo.content_type == "image/jpeg"
    assert (photo.width, photo.height) == (200, 400)  # the orientation applied
    kept = Image.open(io.BytesIO(photo.data))
    assert not kept.getexif()  # no GPS, no device
    thumb = Image.open(io.BytesIO(photo.thumbnail))
    assert thumb.format == "JPEG" and max(thumb.size) <= 320
    assert len(photo.sha256) == 64


@pytest.mark.parametrize("kind", ["PNG", "GIF", "WEBP"])
def test_the_formats_phones_send(kind: str) -> None:
    out = io.BytesIO()
    Image.new("RGB", (50, 50)).save(out, kind)
    assert accept(out.getvalue(), max_bytes=MB).content_type == f"image/{kind.lower()}"


@pytest.mark.parametrize(("data", "words"), [
    (b"%PDF-1.4 not a photo", "not a readable image"),
    (b"<html><script>alert(1)</script></html>", "not a readable image"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "not a readable image"),
    (b"x" * (MB + 1), "larger than 1 MB"),
])
def test_what_is_not_a_photo_we_accept_is_refused(data: bytes, words: str) -> None:
    with pytest.raises(NotAcceptable, match=words):
        accept(data, max_bytes=MB)


def test_other_image_formats_and_decompression_bombs_are_refused() -> None:
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, "BMP")
    with pytest.raises(NotAcceptable, match="BMP"):
        accept(out.getvalue(), max_bytes=MB)
    side = int(MAX_PIXELS ** 0.5) + 10
    bomb = io.BytesIO()
    Image.new("1", (side, side)).save(bomb, "PNG")  # small file, huge when decoded
    with pytest.raises(NotAcceptable, match="too large"):
        accept(bomb.getvalue(), max_bytes=5 * MB)
