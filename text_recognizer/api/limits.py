"""Untrusted bytes -> a grayscale PIL image, refusing anything that is not a plausible image.

Each refusal is a :class:`~text_recognizer.api.errors.RequestError` whose kind names the
problem. Pixel counts are checked from the header, before a single pixel is decoded, so a small
file that claims to be 100k x 100k (a decompression bomb) costs nothing.
"""

from __future__ import annotations

import base64
import io
import re

from PIL import Image, ImageOps, UnidentifiedImageError

from text_recognizer.api.errors import request_error
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


def decode_image(data: bytes, max_pixels: int, name: str = "the image") -> Image.Image:
    """A decoded, upright, 8-bit grayscale (``"L"``) image of ``data``, or a RequestError.

    >>> buffer = io.BytesIO(); Image.new("RGBA", (30, 10)).save(buffer, "PNG")
    >>> decode_image(buffer.getvalue(), max_pixels=1000).mode
    'L'
    >>> decode_image(buffer.getvalue(), max_pixels=100)
    Traceback (most recent call last):
    ...
    text_recognizer.api.errors.RequestError: the image is 30x10 = 300 pixels; the limit is 100
    """
    if not data:
        raise request_error("empty_body", f"{name} is empty (0 bytes)")
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError as error:
        raise request_error("too_many_pixels", f"{name} is a decompression bomb: {error}") from None
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
        raise request_error("corrupt_image", f"{name} has a corrupt header: {error}") from None
    width, height = image.size
    if width * height > max_pixels:
        raise request_error(
            "too_many_pixels",
            f"{name} is {width}x{height} = {width * height} pixels; the limit is {max_pixels}",
        )
    try:
        validate_image_size(width, height, name)
        image.load()
        image = ImageOps.exif_transpose(image)
        return to_grayscale(image)
    except InvalidImageError as error:
        raise request_error("invalid_image", str(error)) from None
    except MemoryError:
        raise
    except Exception as error:  # noqa: BLE001 - decoders raise OSError, SyntaxError, struct.error…
        raise request_error(
            "corrupt_image", f"{name} ({image.format}) cannot be decoded: {error}"
        ) from None
