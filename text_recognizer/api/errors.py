"""Errors the service turns into HTTP responses: each carries its status and a stable ``kind``.

Clients branch on ``kind`` (never on the message), so kinds are part of the API: add new ones,
never rename. The JSON body of every error is ``{"error": {"kind": ..., "message": ...}}``, and
its message is bounded (:data:`MAX_MESSAGE_CHARS`) because it may quote what the client sent.
"""

from __future__ import annotations

from text_recognizer.errors import TextRecognizerError

#: Longest error message sent to a client; longer ones are cut and say how long they were.
MAX_MESSAGE_CHARS = 500


def quoted(value: object, limit: int = 40) -> str:
    """``repr(value)``, cut to about ``limit`` characters: safe to put a client's value in a message.

    >>> quoted("page"), quoted("x" * 100, limit=10)
    ("'page'", "'xxxxxxxxxx'... (100 characters)")
    """
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value)} characters)"
    text = repr(value)
    return text if len(text) <= limit + 2 else text[:limit] + "..."


def bounded(message: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``message`` cut to ``limit`` characters, saying how long it was.

    >>> bounded("abcdefghij" * 3, limit=25)
    'abcdef... (30 characters)'
    """
    if len(message) <= limit:
        return message
    suffix = f"... ({len(message)} characters)"
    return message[: max(0, limit - len(suffix))] + suffix


class ServiceConfigError(TextRecognizerError, ValueError):
    """The service was started with an impossible limit or a missing model."""


class RequestError(TextRecognizerError):
    """A request the service refuses, with the HTTP status and kind to answer with.

    >>> RequestError(400, "empty_body", "the request body is empty").to_body()
    {'error': {'kind': 'empty_body', 'message': 'the request body is empty'}}
    """

    def __init__(
        self, status: int, kind: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        message = bounded(message)
        super().__init__(status, kind, message, headers)
        self.status = status
        self.kind = kind
        self.message = message
        self.headers = dict(headers or {})

    def __str__(self) -> str:
        return self.message

    def to_body(self) -> dict[str, dict[str, str]]:
        return {"error": {"kind": self.kind, "message": self.message}}


#: Every error kind the service answers with, its HTTP status and what it means (for OpenAPI).
ERROR_KINDS: dict[str, tuple[int, str]] = {
    "empty_body": (400, "The request has no body, or the upload is empty."),
    "malformed_json": (400, "The body is not valid JSON."),
    "malformed_multipart": (400, "The multipart body cannot be parsed or has no 'file' part."),
    "bad_data_url": (400, "The 'image' string is not a data:image/...;base64, URL."),
    "bad_base64": (400, "The data URL's payload is not valid base64."),
    "invalid_host": (400, "The Host header names a host this service does not answer to."),
    "unauthorized": (401, "The route needs 'Authorization: Bearer <token>' and it was not given."),
    "not_found": (404, "No such route."),
    "method_not_allowed": (405, "The route does not accept this HTTP method."),
    "body_timeout": (408, "The body did not arrive within the service's body timeout."),
    "body_too_large": (413, "The request body exceeds the service's byte limit."),
    "too_many_pixels": (413, "The image's width x height exceeds the pixel limit."),
    "decode_too_large": (
        413,
        "Decoding the image would need more memory than the per-request decode bound.",
    ),
    "unsupported_media_type": (415, "Content-Type is neither multipart/form-data nor JSON."),
    "not_an_image": (415, "The bytes are not an image in an accepted format."),
    "invalid_request": (422, "A JSON field is missing or has the wrong type."),
    "unknown_mode": (422, "'mode' is not one of auto, lines, paragraphs (or line, paragraph)."),
    "corrupt_image": (422, "The image format is recognised but its data does not decode."),
    "invalid_image": (422, "The image decodes but cannot be read (zero size, extreme shape)."),
    "unprocessable_input": (422, "The model refused the input, e.g. a mode it has no model for."),
    "queue_full": (503, "Too many requests are waiting; retry after Retry-After seconds."),
    "not_ready": (503, "The model is not loaded (yet); retry after Retry-After if it is given."),
    "overloaded": (
        503,
        "Too many connections or requests in flight; retry after Retry-After seconds.",
    ),
    "shutting_down": (503, "The service is shutting down; retry on another replica."),
    "internal_error": (500, "An unexpected failure; details are in the server log only."),
}


def request_error(kind: str, message: str, headers: dict[str, str] | None = None) -> RequestError:
    """A :class:`RequestError` whose status comes from :data:`ERROR_KINDS`, so the two agree.

    >>> request_error("queue_full", "busy").status
    503
    """
    return RequestError(ERROR_KINDS[kind][0], kind, message, headers)
