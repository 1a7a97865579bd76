"""Untrusted bytes -> a grayscale PIL image, refusing anything that is not a plausible image.

Each refusal is a :class:`~text_recognizer.api.errors.RequestError` whose kind names the
problem. Everything is judged from the header, before a single pixel is decoded: the pixel
count (a small file that claims to be 100k x 100k costs nothing), and the memory that decoding
and recognizing the image will take (:func:`decode_cost`: a 170 KB RGBA PNG of 6300 x 6300
needs ~900 MB). :class:`ByteBudget` then bounds the memory of all images in flight together.
"""

from __future__ import annotations

import asyncio
import base64
import ctypes
import ctypes.util
import io
import logging
import re
from collections import deque
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator

from PIL import Image, ImageOps, UnidentifiedImageError

from text_recognizer.api.errors import quoted, request_error
from text_recognizer.data.preprocess import to_grayscale, validate_image_size
from text_recognizer.errors import InvalidImageError

#: Formats Pillow decodes that people send as pictures of handwriting. Others (EPS, PDF,
#: icons, animation containers) are refused by name instead of being fed to odd decoders.
ACCEPTED_FORMATS = ("PNG", "JPEG", "TIFF", "BMP", "GIF", "WEBP", "PPM")

_DATA_URL = re.compile(r"^data:(?P<type>[\w.+-]+/[\w.+-]+)?(?P<params>(;[^;,]*)*?);base64,", re.I)
_WHITESPACE = re.compile(rb"\s+")
#: Leading bytes of the accepted formats: data that starts like one but does not open is corrupt,
#: not "not an image".
_SIGNATURES = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"P5",
    b"P6",
)


def looks_like_an_image(data: bytes) -> bool:
    """Whether ``data`` starts with the signature of an accepted format.

    >>> looks_like_an_image(b"GIF89a..."), looks_like_an_image(b"%PDF-1.4")
    (True, False)
    """
    webp = data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    return webp or data.startswith(_SIGNATURES)


def decode_data_url(value: object) -> bytes:
    """The bytes of a ``data:image/...;base64,...`` URL (whitespace in the payload is allowed).

    >>> decode_data_url("data:image/png;base64,aGVs bG8=")
    b'hello'
    >>> decode_data_url("data:text/plain;base64,aGk=")
    Traceback (most recent call last):
    ...
    text_recognizer.api.errors.RequestError: the data URL has media type 'text/plain'; expected image/*
    """
    if not isinstance(value, str):
        raise request_error(
            "bad_data_url", f"'image' must be a data URL string, got {type(value).__name__}"
        )
    match = _DATA_URL.match(value[:200])
    if match is None:
        raise request_error(
            "bad_data_url", "'image' is not a data URL of the form data:image/<type>;base64,<data>"
        )
    media_type = (match.group("type") or "").lower()
    if not media_type.startswith("image/"):
        raise request_error(
            "bad_data_url",
            f"the data URL has media type {media_type or 'none'!r}; expected image/*",
        )
    payload = _WHITESPACE.sub(b"", value[match.end() :].encode("ascii", errors="replace"))
    try:
        return base64.b64decode(payload, validate=True)
    except ValueError as error:  # binascii.Error is a ValueError
        raise request_error(
            "bad_base64", f"the data URL's payload is not valid base64: {error}"
        ) from None


logger = logging.getLogger(__name__)
MIB = 1024 * 1024

#: Peak bytes per pixel of turning a decoded image into 8-bit gray (decoding, EXIF transpose,
#: ``to_grayscale``), as a multiple of the decoded size, by kind of mode. Measured on Pillow 13
#: with ``ru_maxrss`` around :func:`decode_image` on 9 Mpx images of each mode: gray 2 B/px,
#: RGB 8, CMYK 9, LA/RGBA 23, I;16 18, I/F 16 (alpha and wide modes go through float32 arrays).
CONVERSION_FACTORS = {"gray": 2.0, "color": 2.25, "alpha": 6.0, "16-bit": 9.0, "32-bit": 4.0}
#: What one decoded (8-bit gray) image costs until its prediction: itself, plus the recognizer's
#: own preprocessing (a paragraph's segmentation holds ~10 float bytes per pixel).
MODEL_BYTES_PER_PIXEL = 11
#: Releasing a reservation at least this large hands freed heap pages back to the system.
TRIM_AFTER_BYTES = 64 * MIB
_ALPHA_MODES = {"LA", "La", "PA", "RGBA", "RGBa"}


def decoded_bytes_per_pixel(mode: str) -> int:
    """Bytes Pillow stores per pixel of ``mode``: 1 per 8-bit band, 2-4 bands padded to 4.

    >>> [decoded_bytes_per_pixel(mode) for mode in ("1", "L", "P", "I;16", "RGB", "RGBA", "F")]
    [1, 1, 1, 2, 4, 4, 4]
    """
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


def _mode_kind(mode: str, transparent: bool) -> str:
    if mode in _ALPHA_MODES or (transparent and mode in ("L", "RGB", "P")):
        return "alpha"
    if mode in ("1", "L", "P"):
        return "gray"
    if mode.startswith("I;16"):
        return "16-bit"
    return "32-bit" if mode in ("I", "F") else "color"


def decode_cost(mode: str, width: int, height: int, transparent: bool = False) -> int:
    """Estimated peak bytes of decoding a ``mode`` image of this size and recognizing it.

    The decoded size (mode x bit depth x pixels) times the conversion's working copies, or the
    model's share if that is larger: whichever stage needs more memory bounds the request.

    >>> decode_cost("RGBA", 6300, 6300) // MIB, decode_cost("L", 1000, 40)
    (908, 440000)
    """
    pixels = width * height
    kind = _mode_kind(mode, transparent)
    stored = 4 if kind == "alpha" else decoded_bytes_per_pixel(mode)
    per_pixel = max(stored * CONVERSION_FACTORS[kind], MODEL_BYTES_PER_PIXEL)
    return int(pixels * per_pixel)


def _size(nbytes: int) -> str:
    """``nbytes`` for people: ``'913 MiB'``, ``'234 KiB'``."""
    return f"{nbytes / MIB:.0f} MiB" if nbytes >= MIB else f"{nbytes / 1024:.0f} KiB"


@dataclass
class OpenedImage:
    """An image whose header has been read and judged; its pixels are not decoded yet."""

    image: Image.Image
    cost_bytes: int
    name: str


def open_image(
    data: bytes, max_pixels: int, max_decode_bytes: int | None = None, name: str = "the image"
) -> OpenedImage:
    """Read ``data``'s header and refuse it (RequestError) unless it is worth decoding.

    >>> buffer = io.BytesIO(); Image.new("RGBA", (100, 100)).save(buffer, "PNG")
    >>> open_image(buffer.getvalue(), max_pixels=10**6).cost_bytes
    240000
    >>> open_image(buffer.getvalue(), max_pixels=10**6, max_decode_bytes=100_000)
    Traceback (most recent call last):
    ...
    text_recognizer.api.errors.RequestError: the image (100x100 RGBA) would need about 234 KiB \
(240000 bytes) to decode and recognize; the service's per-request bound is 98 KiB \
(100000 bytes, --max-decode-bytes)
    """
    if not data:
        raise request_error("empty_body", f"{name} is empty (0 bytes)")
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError:
        raise request_error(
            "too_many_pixels", f"{name} has more pixels than the limit of {max_pixels}"
        ) from None
    except UnidentifiedImageError:
        if looks_like_an_image(data):
            raise request_error(
                "corrupt_image", f"{name} starts like an image but its header does not decode"
            ) from None
        raise request_error(
            "not_an_image",
            f"{name} is not an image in an accepted format ({', '.join(ACCEPTED_FORMATS)})",
        ) from None
    except MemoryError:
        raise
    except Exception as error:  # noqa: BLE001 - header parsers raise assorted types
        raise request_error(
            "corrupt_image", f"{name} has a corrupt header: {quoted(str(error), 200)}"
        ) from None
    width, height = image.size
    if width * height > max_pixels:
        raise request_error(
            "too_many_pixels",
            f"{name} is {width}x{height} = {width * height} pixels; the limit is {max_pixels}",
        )
    cost = decode_cost(image.mode, width, height, "transparency" in image.info)
    if max_decode_bytes is not None and cost > max_decode_bytes:
        raise request_error(
            "decode_too_large",
            f"{name} ({width}x{height} {image.mode}) would need about {_size(cost)} ({cost} "
            f"bytes) to decode and recognize; the service's per-request bound is "
            f"{_size(max_decode_bytes)} ({max_decode_bytes} bytes, --max-decode-bytes)",
        )
    return OpenedImage(image, cost, name)


def finish_decode(opened: OpenedImage) -> Image.Image:
    """Decode the pixels of an :func:`open_image` result into an upright 8-bit gray image."""
    image, name = opened.image, opened.name
    try:
        validate_image_size(image.width, image.height, name)
        image.load()
        image = ImageOps.exif_transpose(image)
        return to_grayscale(image)
    except InvalidImageError as error:
        raise request_error("invalid_image", str(error)) from None
    except MemoryError:
        raise
    except Exception as error:  # noqa: BLE001 - decoders raise OSError, SyntaxError, struct.error…
        raise request_error(
            "corrupt_image", f"{name} ({image.format}) cannot be decoded: {quoted(str(error), 200)}"
        ) from None


def decode_image(
    data: bytes, max_pixels: int, name: str = "the image", max_decode_bytes: int | None = None
) -> Image.Image:
    """A decoded, upright, 8-bit grayscale (``"L"``) image of ``data``, or a RequestError.

    >>> buffer = io.BytesIO(); Image.new("RGBA", (30, 10)).save(buffer, "PNG")
    >>> decode_image(buffer.getvalue(), max_pixels=1000).mode
    'L'
    >>> decode_image(buffer.getvalue(), max_pixels=100)
    Traceback (most recent call last):
    ...
    text_recognizer.api.errors.RequestError: the image is 30x10 = 300 pixels; the limit is 100
    """
    return finish_decode(open_image(data, max_pixels, max_decode_bytes, name))


class ByteBudget:
    """An asyncio semaphore counted in bytes: reservations wait, first come first served, until
    the bytes already reserved plus theirs fit in ``capacity``.

    Counting bytes, not requests, lets many small lines run together while two 40 Mpx photos
    take turns. Use it from one event loop.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.in_use = 0
        self._waiters: deque[tuple[int, asyncio.Future[None]]] = deque()

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def acquire(self, nbytes: int) -> None:
        if not 0 <= nbytes <= self.capacity:
            raise ValueError(f"cannot reserve {nbytes} bytes of a {self.capacity}-byte budget")
        if not self._waiters and self.in_use + nbytes <= self.capacity:
            self.in_use += nbytes
            return
        entry = (nbytes, asyncio.get_running_loop().create_future())
        self._waiters.append(entry)
        try:
            await entry[1]
        except BaseException:  # cancelled: give back a grant that raced the cancellation
            if entry[1].done() and not entry[1].cancelled():
                self.release(nbytes)
            else:
                self._waiters.remove(entry)
                self._grant()
            raise

    def release(self, nbytes: int) -> None:
        self.in_use -= nbytes
        self._grant()

    def _grant(self) -> None:
        while self._waiters and self.in_use + self._waiters[0][0] <= self.capacity:
            nbytes, future = self._waiters.popleft()
            if not future.done():
                self.in_use += nbytes
                future.set_result(None)

    @asynccontextmanager
    async def reserve(self, nbytes: int) -> AsyncIterator[None]:
        """Hold ``nbytes`` of the budget for the block; large ones return freed memory after."""
        await self.acquire(nbytes)
        try:
            yield
        finally:
            self.release(nbytes)
            if nbytes >= TRIM_AFTER_BYTES and self.in_use == 0:
                await asyncio.to_thread(release_free_memory)


#: glibc's ``mallopt`` parameter number of the mmap threshold, and the value the server sets.
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 8 * MIB


def release_free_memory() -> bool:
    """Give the C heap's free pages back to the system (glibc ``malloc_trim``); False elsewhere.

    Pillow and numpy free a decoded photo into malloc's per-thread arenas, which keep the pages:
    without this, RSS after a burst of large images stays near its peak.
    """
    trim = _libc_function("malloc_trim")
    return bool(trim(0)) if trim is not None else False


def map_large_allocations(threshold: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Make glibc serve every allocation over ``threshold`` with its own mapping, returned to
    the system the moment it is freed; False where that is not glibc.

    By default glibc raises this threshold up to 32 MiB as large blocks are freed, after which
    Pillow's 16 MiB blocks and numpy's arrays land in per-thread arenas that keep their pages:
    decodes in different worker threads then add up to several times the live memory. Called
    by the server process only (it is process-wide).
    """
    mallopt = _libc_function("mallopt")
    return bool(mallopt(_M_MMAP_THRESHOLD, threshold)) if mallopt is not None else False


def _libc_function(name: str) -> Any:
    library = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(library), name, None) if library else None
    except OSError:
        return None
