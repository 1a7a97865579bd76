"""Who is served: the Host header, the bearer token, and connection overload, checked before
routing so that a refused request costs nothing.

The probes (``/healthz``, ``/readyz``) are always answered: an orchestrator must see the process
alive even when it is overloaded, and probes come with whatever Host the orchestrator uses. The
page, its static files and the API docs hold no data and stay open, so a browser can load them;
``/v1/recognize``, ``/metrics`` and everything else need the token when one is set.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import Callable, Sequence

from text_recognizer.api.errors import quoted, request_error
from text_recognizer.api.metrics import Metrics
from text_recognizer.api.middleware import ASGIApp, Receive, Scope, Send, send_error

PROBE_PATHS = frozenset({"/healthz", "/readyz"})
#: Cheap routes answered even under connection overload, so operators can see it happen.
OVERLOAD_EXEMPT = PROBE_PATHS | {"/metrics"}
#: Paths served without the token: static content a browser loads by navigation.
OPEN_PATHS = frozenset({"/", "/docs", "/redoc", "/openapi.json"})
OPEN_PREFIXES = ("/static/",)


def host_name(host_header: str) -> str:
    """The host part of a Host header, lower-cased, without port, brackets or trailing dot.

    >>> host_name("Example.COM.:8000"), host_name("[::1]:8000"), host_name("127.0.0.1")
    ('example.com', '::1', '127.0.0.1')
    """
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def host_allowed(host_header: str, allowed: Sequence[str]) -> bool:
    """Whether ``host_header`` names one of ``allowed`` (``*`` any, ``*.example.com`` subdomains).

    >>> host_allowed("localhost:8000", ["localhost"]), host_allowed("evil.test", ["localhost"])
    (True, False)
    >>> host_allowed("a.example.com", ["*.example.com"]), host_allowed("example.com", ["*.example.com"])
    (True, False)
    """
    host = host_name(host_header)
    for pattern in allowed:
        pattern = pattern.strip().lower().rstrip(".")
        if pattern == "*" or host == host_name(pattern):
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
    return False


def token_matches(authorization: str, token: str) -> bool:
    """Whether an Authorization header carries ``Bearer <token>`` (compared in constant time).

    >>> token_matches("Bearer s3cret-s3cret-s3cret", "s3cret-s3cret-s3cret")
    True
    >>> token_matches("Basic s3cret", "s3cret"), token_matches("", "s3cret")
    (False, False)
    """
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(credentials.strip().encode(), token.encode())


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` keeps the service on this machine.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host_name(host) == "localhost":
        return True
    try:
        return ipaddress.ip_address(host_name(host)).is_loopback
    except ValueError:
        return False


def needs_token(path: str) -> bool:
    """Whether ``path`` is protected by the bearer token (when one is set).

    >>> needs_token("/v1/recognize"), needs_token("/metrics"), needs_token("/healthz")
    (True, True, False)
    """
    if path in PROBE_PATHS or path in OPEN_PATHS:
        return False
    return not path.startswith(OPEN_PREFIXES)


class AccessMiddleware:
    """Refuse, as JSON and before routing: an unknown Host (400), a missing or wrong token (401),
    and all but probes and metrics while over ``max_connections`` are open (503 + Retry-After)."""

    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        allowed_hosts: Sequence[str],
        token: str | None,
        max_connections: int,
        open_connections: Callable[[], int],
        retry_after_s: int,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.allowed_hosts = tuple(allowed_hosts)
        self.token = token
        self.max_connections = max_connections
        self.open_connections = open_connections
        self.retry_after_s = retry_after_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in PROBE_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {name: value.decode("latin-1") for name, value in scope.get("headers", [])}
        error = None
        host = headers.get(b"host", "")
        if not host_allowed(host, self.allowed_hosts):
            error = request_error(
                "invalid_host",
                f"Host {quoted(host)} is not served here; the allowed hosts are "
                f"{', '.join(self.allowed_hosts)} (--allowed-hosts)",
            )
        elif self.token and needs_token(scope.get("path", "")):
            if not token_matches(headers.get(b"authorization", ""), self.token):
                error = request_error(
                    "unauthorized",
                    "this route needs the header 'Authorization: Bearer <token>' with the "
                    "service's token",
                    {"WWW-Authenticate": 'Bearer realm="text-recognizer"'},
                )
        overloaded = self.open_connections() > self.max_connections
        if error is None and overloaded and scope.get("path") not in OVERLOAD_EXEMPT:
            error = request_error(
                "overloaded",
                f"the service has {self.open_connections()} open connections, more than its "
                f"limit of {self.max_connections} (--max-connections); retry later",
                {"Retry-After": str(self.retry_after_s)},
            )
        if error is None:
            await self.app(scope, receive, send)
            return
        self.metrics.count_error(error.kind)
        await send_error(send, error)
