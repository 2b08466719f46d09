"""A picture from a participant's host in; the hub's own small WebP copy of it, or why not, out.

The only module that imports Pillow. Decoding images from strangers is where image software has
always had its security holes: Pillow is maintained, fuzzed (OSS-Fuzz) and patched for exactly
this, which hand-written code would not be. What is kept is never the file that was sent, only
its pixels, re-encoded: no metadata (EXIF with its GPS position, XMP, colour profiles), no second
frame, no trailing bytes. The work per picture is bounded before any pixel is decoded: the size
cap bounded the bytes while they were read (fetch.py), and the header's width and height are
checked against MAX_PIXELS here.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from .picture_store import Kind, StoredPicture

MAX_PIXELS = 25_000_000  # a 6000 x 4000 camera picture; 100 MB once decoded with alpha
QUALITY = 80  # WebP quality: measured sizes are in README, "Pictures"
SQUARE = {"avatar": 96, "thumb": 224}  # centre-cropped; a thumbnail shows at 112 px, sharp on 2x screens
INLINE_BOX = (640, 1920)  # at most 640 px wide; the height cap keeps a long strip small
NAME_HEX = 20  # hex digits of the SHA-256 of the bytes in a picture's file name
_FORMATS = {"JPEG": "a JPEG", "PNG": "a PNG", "GIF": "a GIF", "WEBP": "a WebP"}
_TYPES = {
    "image/jpeg": "JPEG",
    "image/jpg": "JPEG",
    "image/pjpeg": "JPEG",
    "image/png": "PNG",
    "image/x-png": "PNG",
    "image/apng": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}
# Types that claim nothing about what the bytes are: common for pictures kept in object storage.
_UNCLAIMED = frozenset({"", "application/octet-stream", "binary/octet-stream"})

# Pillow refuses at open an image of more than twice MAX_IMAGE_PIXELS and only warns above it:
# the warning is made an error too, and `_check_pixels` refuses anything above MAX_PIXELS itself.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.simplefilter("error", Image.DecompressionBombWarning)


@dataclass(frozen=True)
class Encoded:
    """A picture as the hub keeps it: WebP bytes and their size in pixels."""

    data: bytes
    width: int
    height: int

    @property
    def stored(self) -> StoredPicture:
        name = hashlib.sha256(self.data).hexdigest()[:NAME_HEX] + ".webp"
        return StoredPicture(name, self.width, self.height, len(self.data))


class _Refused(Exception):
    """Why a picture is not kept, in words for the health report."""


def process(data: bytes, kind: Kind, content_type: str | None = None) -> Encoded | str:
    """`data` as the hub keeps a picture of `kind`, or why it does not (a note for the report)."""
    found = picture_format(data)
    if found is None:
        return _not_a_picture(data)
    if contradiction := _contradicted(found, content_type):
        return contradiction
    try:
        return _encoded(_resized(_decoded(data, found, kind), kind))
    except _Refused as refused:
        return str(refused)
    except Exception as exc:  # untrusted bytes: whatever the decoder trips on is this picture's fault
        return f"{_FORMATS[found]} picture that cannot be decoded ({type(exc).__name__})"


def picture_format(data: bytes) -> str | None:
    """Pillow's name of the format the first bytes are, of the four the hub keeps; else None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    return None


def _not_a_picture(data: bytes) -> str:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<") and b"<svg" in head:
        return "an SVG drawing, which can carry scripts: the hub keeps only JPEG, PNG, GIF and WebP"
    return "not a JPEG, PNG, GIF or WebP picture (by its first bytes, whatever the server called it)"


def _contradicted(found: str, content_type: str | None) -> str | None:
    """A note when the server names the bytes something else: then the hub does not guess which is
    right. A server that names no type (or a generic one) contradicts nothing."""
    named = (content_type or "").split(";", 1)[0].strip().lower()
    if named in _UNCLAIMED or _TYPES.get(named) == found:
        return None
    return f"the server calls it {named[:60]}, but its bytes are {_FORMATS[found]} picture"


def _decoded(data: bytes, found: str, kind: Kind) -> Image.Image:
    """The first frame, upright. The pixel count is checked on the header, before decoding."""
    try:
        image = Image.open(io.BytesIO(data), formats=[found])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _Refused(f"more than {MAX_PIXELS:,} pixels, the most the hub decodes") from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _Refused(f"{width} x {height} pixels is more than the {MAX_PIXELS:,} the hub decodes")
    side = SQUARE.get(kind, INLINE_BOX[0])
    image.draft(None, (side, side))  # a JPEG decodes at 1/2, 1/4 or 1/8 of its size when that is enough
    image.load()
    return ImageOps.exif_transpose(image)


def _resized(image: Image.Image, kind: Kind) -> Image.Image:
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if transparent else "RGB")
    if kind in SQUARE:
        side = SQUARE[kind]
        return ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)
    image.thumbnail(INLINE_BOX, Image.Resampling.LANCZOS)  # keeps the ratio, never enlarges
    return image


def _encoded(image: Image.Image) -> Encoded:
    image.info = {}  # nothing of the original file's metadata goes along
    out = io.BytesIO()
    image.save(out, "WEBP", quality=QUALITY, method=4)
    return Encoded(out.getvalue(), image.width, image.height)
