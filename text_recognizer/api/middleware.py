"""The outermost ASGI layer: time and count every request, and turn any crash into a clean 500.

It sits outside the framework's own error handling, so whatever escapes a handler (a bug, a
failing model) is logged here with its traceback and the client gets only
``{"error": {"kind": "internal_error", ...}}`` - never a stack trace or an exception message.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Awaitable, Callable

from text_recognizer.api.metrics import Metrics

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

INTERNAL_ERROR_BODY = json.dumps(
    {"error": {"kind": "internal_error", "message": "internal error; see the server log"}}
).encode()
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store")]


def route_label(scope: Scope) -> str:
    """The matched route's template (``/v1/recognize``), or ``other`` for unmatched paths.

    >>> route_label({"path": "/random/probe"})
    'other'
    """
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "other"


class GuardMiddleware:
    """Metrics for every HTTP request, a JSON 500 for any unhandled exception."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500, "sent": False}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = message["status"], True
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            self.metrics.count_error("internal_error")
            status["code"] = 500
            if not status["sent"]:
                await _send_internal_error(send)
        finally:
            self.metrics.observe_request(
                route_label(scope),
                scope.get("method", ""),
                int(status["code"]),
                time.perf_counter() - started,
            )


async def _send_internal_error(send: Send) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(INTERNAL_ERROR_BODY)).encode()),
        *SECURITY_HEADERS,
    ]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": INTERNAL_ERROR_BODY})
