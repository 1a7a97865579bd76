"""The body of ``POST /v1/recognize`` -> (image bytes, mode), whatever form the client used.

Three encodings are accepted: multipart (field ``file``, optional field ``mode``), JSON
(``{"image": "data:image/png;base64,...", "mode": ...}``) and a raw ``image/*`` body. The body
is read with a byte limit checked against Content-Length first and against the bytes actually
streamed second (a client can lie about, or omit, Content-Length).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from text_recognizer.api.errors import quoted, request_error
from text_recognizer.api.limits import decode_data_url
from text_recognizer.errors import ModelInputError
from text_recognizer.modes import MODES, normalize_mode

#: Multipart parts beyond the file and the mode are refused rather than buffered.
MAX_MULTIPART_FIELDS = 4


@dataclass(frozen=True)
class RecognizeRequest:
    data: bytes
    mode: str


def check_mode(mode: Any) -> str:
    """``mode`` in its documented spelling (:mod:`text_recognizer.modes`), else a RequestError.

    >>> check_mode("LINE"), check_mode("paragraphs")
    ('lines', 'paragraphs')
    >>> check_mode("page")
    Traceback (most recent call last):
    ...
    text_recognizer.api.errors.RequestError: unknown mode 'page'; expected one of auto, lines, paragraphs
    """
    bounded = mode if isinstance(mode, str) and len(mode) <= 20 else ""
    try:
        return normalize_mode(bounded)
    except ModelInputError:
        raise request_error(
            "unknown_mode", f"unknown mode {quoted(mode)}; expected one of {', '.join(MODES)}"
        ) from None


async def read_limited_body(request: Any, max_bytes: int) -> bytes:
    """The whole body of a Starlette request, refusing it as soon as it exceeds ``max_bytes``."""
    declared = request.headers.get("content-length", "")
    too_large = f"the request body is larger than the limit of {max_bytes} bytes"
    if declared.isdigit() and int(declared) > max_bytes:
        raise request_error("body_too_large", f"{too_large} (Content-Length: {declared})")
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > max_bytes:
            raise request_error("body_too_large", too_large)
        chunks.append(chunk)
    return b"".join(chunks)


def media_type_of(content_type: str) -> str:
    """``multipart/form-data; boundary=x`` -> ``multipart/form-data``.

    >>> media_type_of(" Application/JSON; charset=utf-8")
    'application/json'
    """
    return content_type.split(";", 1)[0].strip().lower()


async def parse_recognize_request(request: Any, max_bytes: int) -> RecognizeRequest:
    """Read and decode the request body into image bytes and a validated mode."""
    media_type = media_type_of(request.headers.get("content-type", ""))
    query_mode = request.query_params.get("mode", "auto")
    if media_type not in ("multipart/form-data", "application/json") and not (
        media_type.startswith("image/")
    ):
        raise request_error(
            "unsupported_media_type",
            f"Content-Type {media_type or '(none)'!r} is not accepted; send multipart/form-data "
            "with a 'file' field, application/json with an 'image' data URL, or an image/* body",
        )
    body = await read_limited_body(request, max_bytes)
    if not body:
        raise request_error("empty_body", "the request body is empty")
    if media_type == "application/json":
        return _from_json(body, query_mode)
    if media_type == "multipart/form-data":
        return await _from_multipart(request, body, query_mode)
    return RecognizeRequest(body, check_mode(query_mode))


def _from_json(body: bytes, default_mode: str) -> RecognizeRequest:
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        message = str(error) if not isinstance(error, RecursionError) else "nested too deeply"
        raise request_error("malformed_json", f"the body is not valid JSON: {message}") from None
    if not isinstance(payload, dict):
        raise request_error(
            "invalid_request", f"the JSON body must be an object, got {type(payload).__name__}"
        )
    if "image" not in payload:
        raise request_error("invalid_request", "the JSON body has no 'image' field")
    mode = check_mode(payload.get("mode", default_mode))
    return RecognizeRequest(decode_data_url(payload["image"]), mode)


def _with_causes(message: str, error: BaseException) -> str:
    """``message`` followed by the distinct messages of the errors that caused ``error``.

    Starlette answers "Invalid multipart data." for every parser failure and keeps the reason
    (say, "Maximum header size exceeded" for an 8 KB filename) only in the exception chain.

    >>> try:
    ...     try:
    ...         raise ValueError("Maximum header size exceeded")
    ...     except ValueError as cause:
    ...         raise RuntimeError("Invalid multipart data.") from cause
    ... except RuntimeError as error:
    ...     print(_with_causes("Invalid multipart data.", error))
    Invalid multipart data. (Maximum header size exceeded)
    """
    causes: list[str] = []
    cause = error.__cause__ or error.__context__
    while cause is not None and len(causes) < 4:
        text = str(cause).strip()
        if text and text != message and text not in causes:
            causes.append(text)
        cause = cause.__cause__ or cause.__context__
    return f"{message} ({'; '.join(causes)})" if causes else message


async def _from_multipart(request: Any, body: bytes, default_mode: str) -> RecognizeRequest:
    from starlette.datastructures import UploadFile
    from starlette.exceptions import HTTPException
    from starlette.requests import Request

    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    buffered = Request(request.scope, receive=replay)
    try:
        form = await buffered.form(max_files=1, max_fields=MAX_MULTIPART_FIELDS)
    except Exception as error:  # noqa: BLE001 - Starlette and python-multipart raise assorted types
        detail = error.detail if isinstance(error, HTTPException) else str(error)
        raise request_error(
            "malformed_multipart",
            f"the multipart body cannot be parsed: {_with_causes(str(detail), error)}",
        ) from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise request_error(
                "malformed_multipart", "the multipart body has no file part named 'file'"
            )
        data = await upload.read()
        mode = form.get("mode", default_mode)
        return RecognizeRequest(data, check_mode(mode))
    finally:
        await form.close()
