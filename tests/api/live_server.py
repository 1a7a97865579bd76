"""A real uvicorn server on loopback around the fake recognizer, for browser and load tests.

``with live_server() as url:`` runs it in a thread on a free port. ``python -m
tests.api.live_server --port 8765 --delay-ms 10`` runs it in the foreground, for measuring the
load test against the fake (the real model is measured with ``text-recognizer serve``).
"""

from __future__ import annotations

import argparse
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
    import uvicorn

    port = free_port()
    app = build_app(delay_s, **settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
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


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay-ms", type=float, default=0.0, help="fake model time per call")
    args = parser.parse_args()
    uvicorn.run(build_app(args.delay_ms / 1000.0), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
