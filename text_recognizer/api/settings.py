"""Limits of the service, in one validated object shared by the app, the CLI and the tests."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from text_recognizer.api.errors import ServiceConfigError

#: Host names a browser uses for this machine; the default ``allowed_hosts`` of a loopback bind.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
MIB = 1024 * 1024

_POSITIVE_INTS = (
    "max_body_bytes",
    "max_pixels",
    "max_concurrency",
    "max_queue",
    "max_batch_size",
    "retry_after_s",
    "max_connections",
    "max_inflight",
    "max_decode_bytes",
    "decode_budget_bytes",
    "model_load_attempts",
)
_POSITIVE_SECONDS = (
    "header_timeout_s",
    "body_timeout_s",
    "keep_alive_timeout_s",
    "shutdown_timeout_s",
)


@dataclass(frozen=True)
class ServeSettings:
    """How much one request and the whole service may cost; every limit is enforced, not advisory.

    Defaults suit a 2-core CPU box: a phone photo fits in 10 MiB and 40 Mpx, one model call at a
    time with up to 8 images per batch keeps latency predictable, and 512 MiB of decoded pixels
    in flight keeps the process under 1 GB (the ~300 MB model included).

    >>> ServeSettings(max_queue=0)
    Traceback (most recent call last):
    ...
    text_recognizer.api.errors.ServiceConfigError: max_queue must be at least 1, got 0
    >>> ServeSettings(max_decode_bytes=2048, decode_budget_bytes=1024)
    Traceback (most recent call last):
    ...
    text_recognizer.api.errors.ServiceConfigError: decode_budget_bytes (1024) must be at least \
max_decode_bytes (2048), or no image at the per-request bound could ever be decoded
    """

    max_body_bytes: int = 10 * MIB
    max_pixels: int = 40_000_000
    max_concurrency: int = 1
    max_queue: int = 64
    max_batch_size: int = 8
    batch_window_ms: float = 2.0
    retry_after_s: int = 1
    #: Open connections beyond this get 503 ``overloaded`` (probes still answer).
    max_connections: int = 256
    #: Recognize requests reading, decoding or waiting at once; more get 503 ``overloaded``.
    max_inflight: int = 32
    #: Estimated bytes one image may need from decoding to its prediction (413 above it).
    max_decode_bytes: int = 512 * MIB
    #: Estimated bytes of all images being decoded or waiting for the model, together.
    decode_budget_bytes: int = 512 * MIB
    #: Request line and headers must arrive within this, or the connection is closed.
    header_timeout_s: float = 10.0
    #: The whole body must arrive within this after the headers (408 ``body_timeout``).
    body_timeout_s: float = 30.0
    #: An idle keep-alive connection is closed after this.
    keep_alive_timeout_s: float = 5.0
    #: After SIGTERM, requests still running after this are cancelled and the process exits.
    shutdown_timeout_s: float = 10.0
    #: Tries to load the model (1 s, 2 s, 4 s... apart) before the process exits non-zero.
    model_load_attempts: int = 3
    #: Values of the Host header that are served (``*`` = any, ``*.example.com`` = subdomains).
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    #: Peers (IPs or networks) whose X-Forwarded-For / X-Forwarded-Proto are believed.
    trusted_proxies: tuple[str, ...] = ()
    #: When set, every route but the probes needs ``Authorization: Bearer <token>``.
    token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in _POSITIVE_INTS:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ServiceConfigError(f"{name} must be at least 1, got {value!r}")
        for name in _POSITIVE_SECONDS:
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0.0 < value <= 3600.0:
                raise ServiceConfigError(f"{name} must be in (0, 3600] seconds, got {value!r}")
        if not 0.0 <= self.batch_window_ms <= 1000.0:
            raise ServiceConfigError(
                f"batch_window_ms must be between 0 and 1000, got {self.batch_window_ms!r}"
            )
        if self.decode_budget_bytes < self.max_decode_bytes:
            raise ServiceConfigError(
                f"decode_budget_bytes ({self.decode_budget_bytes}) must be at least "
                f"max_decode_bytes ({self.max_decode_bytes}), or no image at the per-request "
                "bound could ever be decoded"
            )
        if not self.allowed_hosts or any(not host.strip() for host in self.allowed_hosts):
            raise ServiceConfigError(
                f"allowed_hosts must be non-empty names, got {list(self.allowed_hosts)!r}"
            )
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ServiceConfigError(
                    f"trusted_proxies holds {proxy!r}, which is not an IP address or network"
                ) from None
        if self.token is not None:
            _check_token(self.token)


def _check_token(token: str) -> None:
    """A bearer token must be long enough to resist guessing and sendable in a header."""
    if len(token) < 16 or not all(33 <= ord(char) <= 126 for char in token):
        raise ServiceConfigError(
            f"the token must be at least 16 printable ASCII characters without spaces (got "
            f"{len(token)} characters); e.g. python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'"
        )
