"""uvicorn under the service's own timeouts: a header deadline, connection counting and a
shutdown that cuts off stalled uploads.

uvicorn has a keep-alive timeout but no deadline for a request's headers: a client that opens a
connection and sends nothing (or one byte a minute) holds it forever, and the ASGI app never
sees it. :func:`deadline_protocol` adds one to uvicorn's h11 protocol: from the moment a
connection opens, or its previous response completes, the next request's headers must arrive
within ``header_timeout_s`` or the connection is closed. uvicorn's own ``limit_concurrency`` is
not used: it answers a plain-text 503 to every request, probes included, outside the JSON
contract; :class:`~text_recognizer.api.access.AccessMiddleware` answers overload instead.
uvicorn is the optional ``serve`` extra, imported when a server is built.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from text_recognizer.api.limits import map_large_allocations
from text_recognizer.api.metrics import Metrics
from text_recognizer.api.settings import ServeSettings

logger = logging.getLogger(__name__)


class ConnectionTracker:
    """How many connections are open; the protocol reports, the access check reads."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self.open = 0
        self.metrics = metrics

    def opened(self) -> None:
        self.open += 1

    def closed(self) -> None:
        self.open -= 1

    def timed_out(self) -> None:
        if self.metrics is not None:
            self.metrics.count_closed_connection("header_timeout")


def deadline_protocol(base: type, tracker: ConnectionTracker, header_timeout_s: float) -> type:
    """A subclass of uvicorn's ``H11Protocol`` (``base``) with a header deadline and counting."""

    class DeadlineProtocol(base):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            tracker.opened()
            self._arm_header_deadline()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm_header_deadline()
            tracker.closed()
            super().connection_lost(exc)

        def handle_events(self) -> None:
            super().handle_events()
            if self._request_in_flight():
                self._disarm_header_deadline()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and not self._request_in_flight():
                self._arm_header_deadline()

        def _request_in_flight(self) -> bool:
            return self.cycle is not None and not self.cycle.response_complete

        def _arm_header_deadline(self) -> None:
            self._disarm_header_deadline()
            self._header_timer = self.loop.call_later(header_timeout_s, self._headers_too_slow)

        def _disarm_header_deadline(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                logger.info(
                    "closing a connection whose request headers took over %g s", header_timeout_s
                )
                tracker.timed_out()
                self.transport.close()

    return DeadlineProtocol


def build_server(
    app: Any, host: str, port: int, settings: ServeSettings, log_level: str = "info"
) -> Any:
    """A ``uvicorn.Server`` for an app from :func:`~text_recognizer.api.app.create_app`.

    SIGTERM (or a model that cannot load) stops it: it stops accepting, closes idle
    connections, cuts off uploads still arriving (503 ``shutting_down``), waits up to
    ``shutdown_timeout_s`` for running requests, then cancels what is left and exits.
    """
    import uvicorn
    from uvicorn.protocols.http.h11_impl import H11Protocol

    map_large_allocations()
    service = app.state.service
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        http=deadline_protocol(H11Protocol, app.state.connections, settings.header_timeout_s),
        ws="none",
        lifespan="on",
        timeout_keep_alive=settings.keep_alive_timeout_s,  # type: ignore[arg-type]
        timeout_graceful_shutdown=settings.shutdown_timeout_s,  # type: ignore[arg-type]
        limit_concurrency=None,
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies) or None,
        server_header=False,
    )

    class DrainingServer(uvicorn.Server):
        async def shutdown(self, sockets: Any = None) -> None:
            service.begin_drain()
            await super().shutdown(sockets=sockets)

    server = DrainingServer(config)

    def stop(reason: str) -> None:
        logger.error("stopping the server: %s", reason)
        server.should_exit = True

    service.on_load_failed = stop
    return server
