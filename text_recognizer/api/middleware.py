"""The outermost ASGI layer: time and count every request, bound how long its body may take,
and turn whatever goes wrong into a JSON answer or a named outcome.

It sits outside the framework's own error handling, so whatever escapes a handler (a bug, a
failing model) is logged here with its traceback and the client gets only
``{"error": {"kind": "internal_error", ...}}`` - never a stack trace or an exception message.
A client that goes away is not a failure of the service: it is logged at info and counted as
``recognizer_client_disconnects_total`` (status 499 in the request counts), never as a 500.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Collection

from text_recognizer.api.errors import RequestError, request_error
from text_recognizer.api.metrics import CLIENT_CLOSED_REQUEST, Metrics

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

INTERNAL_ERROR = RequestError(500, "internal_error", "internal error; see the server log")
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store")]
CLOSE = (b"connection", b"close")


def route_label(scope: Scope, known_paths: Collection[str] = ()) -> str:
    """The matched route's template (``/v1/recognize``), or ``other`` for unmatched paths.

    Requests refused before routing (a bad Host, a missing token) are labelled by their path
    when it is one of ``known_paths``, so they count under the route they were aimed at.

    >>> route_label({"path": "/random/probe"}), route_label({"path": "/metrics"}, ["/metrics"])
    ('other', '/metrics')
    """
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    return scope.get("path", "") if scope.get("path") in known_paths else "other"


def has_body(scope: Scope) -> bool:
    """Whether the request announces a body (a non-zero Content-Length, or chunked encoding).

    >>> has_body({"headers": [(b"content-length", b"0")]}), has_body({"headers": []})
    (False, False)
    >>> has_body({"headers": [(b"transfer-encoding", b"chunked")]})
    True
    """
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return value.strip() not in (b"0", b"")
        if name == b"transfer-encoding":
            return True
    return False


async def send_error(send: Send, error: RequestError) -> None:
    """Answer with ``error``'s JSON body and headers, from outside the framework."""
    body = json.dumps(error.to_body()).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *[
            (key.lower().encode("latin-1"), value.encode("latin-1"))
            for key, value in error.headers.items()
        ],
    ]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@dataclass
class _Exchange:
    """What the guard learns about one request while it runs."""

    status: int = 500
    started: bool = False
    completed: bool = False
    body_done: bool = True
    disconnected: bool = False


class GuardMiddleware:
    """Metrics for every HTTP request, a body deadline, a JSON 500 for any unhandled exception.

    ``draining`` is set when the server begins to shut down: a body still arriving then is cut
    off with 503 ``shutting_down`` instead of holding the shutdown until its deadline.
    """

    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        body_timeout_s: float,
        draining: asyncio.Event,
        known_paths: Collection[str] = (),
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.body_timeout_s = body_timeout_s
        self.draining = draining
        self.known_paths = frozenset(known_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        exchange = _Exchange(body_done=not has_body(scope))
        deadline = asyncio.get_running_loop().time() + self.body_timeout_s

        async def guarded_receive() -> Message:
            if exchange.body_done:
                message = await receive()
            else:
                message = await self._receive_body(receive, deadline)
            if message["type"] == "http.disconnect":
                exchange.disconnected = not exchange.completed
            elif not message.get("more_body", False):
                exchange.body_done = True
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                exchange.status, exchange.started = message["status"], True
                headers = [*message.get("headers", []), *SECURITY_HEADERS]
                # The rest of an unread body must not be parsed as the next request.
                if not exchange.body_done and all(name != CLOSE[0] for name, _ in headers):
                    headers.append(CLOSE)
                message = {**message, "headers": headers}
            elif not message.get("more_body", False):
                exchange.completed = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, send_with_headers)
        except Exception:
            if not exchange.disconnected:  # after a disconnect, failing to go on is expected
                logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
                self.metrics.count_error(INTERNAL_ERROR.kind)
                exchange.status = 500
                if not exchange.started:
                    await send_error(send, INTERNAL_ERROR)
        finally:
            route = route_label(scope, self.known_paths)
            status = exchange.status
            if exchange.disconnected:
                status = CLIENT_CLOSED_REQUEST
                self.metrics.count_disconnect(route)
                logger.info("client went away before the answer: %s %s", scope.get("method"), route)
            self.metrics.observe_request(
                route, scope.get("method", ""), status, time.perf_counter() - started
            )

    async def _receive_body(self, receive: Receive, deadline: float) -> Message:
        """The next body message, or a RequestError once the deadline passes or the server
        drains; the framework answers it as JSON, with ``Connection: close``."""
        remaining = deadline - asyncio.get_running_loop().time()
        message = asyncio.ensure_future(receive())
        drained = asyncio.ensure_future(self.draining.wait())
        try:
            done, _ = await asyncio.wait(
                {message, drained}, timeout=max(0.0, remaining), return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            drained.cancel()
        if message in done:
            return message.result()
        message.cancel()
        if drained in done:
            raise request_error(
                "shutting_down", "the service is shutting down; the upload was not finished"
            )
        raise request_error(
            "body_timeout",
            f"the request body did not arrive within the service's body timeout of "
            f"{self.body_timeout_s:g} s (--body-timeout)",
        )
