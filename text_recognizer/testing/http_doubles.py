"""Raw HTTP inputs for driving the service below an HTTP client: an ASGI request scope, and a
PNG that claims a size it does not hold. Shared by the API tests and the service's probes."""

from __future__ import annotations

import struct
import zlib
from typing import Any, Sequence

#: The host header a scope carries by default: what a local client sends.
LOCAL_HOST = b"127.0.0.1"


def http_scope(
    path: str,
    method: str = "POST",
    headers: Sequence[tuple[bytes, bytes]] = (),
    host: bytes | None = LOCAL_HOST,
    query: bytes = b"",
    client: tuple[str, int] = ("127.0.0.1", 40000),
) -> dict[str, Any]:
    """An ASGI HTTP scope for ``method path``; ``host=None`` sends no host header."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": ([(b"host", host)] if host is not None else []) + list(headers),
        "client": client,
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width x height`` 8-bit gray pixels, with no pixels behind it
    (a decompression bomb's shape, without its bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"") + chunk(b"IEND", b"")
