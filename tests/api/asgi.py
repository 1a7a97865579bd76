"""Drive the app at the ASGI level, for what an HTTP client library cannot do on purpose: stall
an upload half-way, or go away in the middle of one.

``exchange(app, chunks, then=...)`` sends the request's body in ``chunks`` and then either waits
forever (``"stall"``), reports a disconnect (``"disconnect"``) or ends the body (``"end"``); it
returns the status, headers and JSON body the app answered (``None`` when it sent nothing).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Sequence, TypeVar

from text_recognizer.testing.http_doubles import http_scope

T = TypeVar("T")


@dataclass
class Answer:
    status: int | None
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def exchange(
    app: Any,
    chunks: Sequence[bytes],
    then: str = "end",
    path: str = "/v1/recognize",
    headers: Sequence[tuple[bytes, bytes]] = ((b"content-type", b"image/png"),),
    declared_length: int | None = None,
    timeout_s: float = 10.0,
) -> Answer:
    """Send one request to ``app`` (whose service must be started) as described above."""
    length = sum(map(len, chunks)) if declared_length is None else declared_length
    scope = http_scope(path, headers=[*headers, (b"content-length", str(length).encode())])
    pending = list(chunks)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if pending:
            chunk = pending.pop(0)
            more = bool(pending) or then != "end"
            return {"type": "http.request", "body": chunk, "more_body": more}
        if then == "disconnect":
            return {"type": "http.disconnect"}
        await asyncio.Event().wait()  # "stall", or waiting for a disconnect after the body
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(app(scope, receive, send), timeout_s)
    start = next((m for m in sent if m["type"] == "http.response.start"), None)
    if start is None:
        return Answer(None, {}, b"")
    headers_out = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Answer(start["status"], headers_out, body)


def run_served(app: Any, scenario: Callable[[], Awaitable[T]]) -> T:
    """Run ``scenario()`` in a fresh event loop with the app's service started, as the lifespan
    would, and stopped afterwards."""

    async def main() -> T:
        service = app.state.service
        service.start()
        await service.wait_until_loaded()
        try:
            return await scenario()
        finally:
            await service.stop()

    return asyncio.run(main())
