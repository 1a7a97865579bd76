"""A real uvicorn server on loopback around the fake recognizer, for browser and load tests.

``with live_server() as url:`` runs it in a thread on a free port. ``python -m
tests.api.live_server --port 8765 --delay-ms 10 --set header_timeout_s=2`` runs it in the
foreground (the fault suite runs it as a subprocess, to measure its memory and signal it; the
real model is measured with ``text-recognizer serve``). Both run the service's own server
(:func:`text_recognizer.api.server.build_server`): its timeouts and connection handling.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import socket
import threading
import time
from typing import Any, Iterator

from tests.api.fakes import SizeReadingRecognizer


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def build_app(delay_s: float = 0.0, **settings: Any) -> Any:
    from text_recognizer.api.app import create_app
    from text_recognizer.api.settings import ServeSettings

    recognizer = SizeReadingRecognizer(delay_s=delay_s)
    return create_app(lambda: recognizer, ServeSettings(**settings))


@contextlib.contextmanager
def live_server(delay_s: float = 0.0, **settings: Any) -> Iterator[str]:
    """The base URL of a running server; it is shut down when the block exits."""
    from text_recognizer.api.server import build_server

    port = free_port()
    app = build_app(delay_s, **settings)
    server = build_server(app, "127.0.0.1", port, app.state.service.settings, log_level="warning")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not (server.started and app.state.service.ready):
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start within 10 s")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def setting(text: str) -> tuple[str, Any]:
    """``name=value`` -> (name, value as a Python literal, else the string)."""
    name, _, value = text.partition("=")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value


def main() -> None:
    from text_recognizer.api.server import build_server

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay-ms", type=float, default=0.0, help="fake model time per call")
    parser.add_argument("--set", type=setting, action="append", default=[], help="NAME=VALUE")
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    app = build_app(args.delay_ms / 1000.0, **dict(args.set))
    build_server(app, "127.0.0.1", args.port, app.state.service.settings, args.log_level).run()


if __name__ == "__main__":
    main()
