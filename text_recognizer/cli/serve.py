"""``text-recognizer serve``: the REST API and web page on a staged model (extra ``serve``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable

from text_recognizer.cli.common import positive_int
from text_recognizer.errors import TextRecognizerError
from text_recognizer.extras import require

LOOPBACK_DEFAULT = "127.0.0.1"


def _window_ms(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected milliseconds, got {text!r}") from None
    if not 0.0 <= value <= 1000.0:
        raise argparse.ArgumentTypeError(f"expected 0 to 1000 ms, got {value}")
    return value


def register(subparsers: Any) -> None:
    from text_recognizer.api.settings import ServeSettings

    defaults = ServeSettings()
    parser = subparsers.add_parser(
        "serve",
        help="serve the recognizer over HTTP (REST API + web page)",
        description="Run the REST API (POST /v1/recognize, /healthz, /readyz, /metrics) and the "
        "web page at /. Binds to loopback unless --host says otherwise.",
    )
    parser.add_argument("--host", default=LOOPBACK_DEFAULT, help="interface (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default: %(default)s)")
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="staged model to load (default: the package's committed default model)",
    )
    parser.add_argument(
        "--backend",
        default="eager",
        choices=("eager", "torchscript", "onnx"),
        help="how the network runs (default: %(default)s)",
    )
    limits = parser.add_argument_group("limits")
    limits.add_argument("--max-body-bytes", type=positive_int, default=defaults.max_body_bytes)
    limits.add_argument("--max-pixels", type=positive_int, default=defaults.max_pixels)
    limits.add_argument(
        "--max-concurrency",
        type=positive_int,
        default=defaults.max_concurrency,
        help="model calls running at once (default: %(default)s)",
    )
    limits.add_argument(
        "--max-queue",
        type=positive_int,
        default=defaults.max_queue,
        help="requests waiting for the model before answering 503 (default: %(default)s)",
    )
    limits.add_argument("--max-batch-size", type=positive_int, default=defaults.max_batch_size)
    limits.add_argument(
        "--batch-window-ms",
        type=_window_ms,
        default=defaults.batch_window_ms,
        help="how long to gather concurrent requests into one batch (default: %(default)s)",
    )
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning"))
    parser.set_defaults(func=handle)


def recognizer_factory(model: Path | None, backend: str = "eager") -> Callable[[], Any]:
    """A zero-argument loader of the staged model, checked now so a typo fails before binding.

    The model itself loads later, in the server's background, while ``/readyz`` says 503.
    """
    if model is not None and not Path(model).exists():
        raise TextRecognizerError(f"model path {model} does not exist")
    from text_recognizer.recognizer import Recognizer
    from text_recognizer.staging import DEFAULT_MODEL_DIR

    if model is None and not DEFAULT_MODEL_DIR.exists():
        raise TextRecognizerError(
            f"no default model is staged at {DEFAULT_MODEL_DIR}; pass --model PATH"
        )
    return lambda: Recognizer.load(model, backend=backend)


def handle(args: argparse.Namespace) -> int:
    for module in ("fastapi", "python_multipart"):
        require(module, "the HTTP service")
    uvicorn = require("uvicorn", "the HTTP service")
    from text_recognizer.api.app import create_app
    from text_recognizer.api.settings import ServeSettings

    settings = ServeSettings(
        max_body_bytes=args.max_body_bytes,
        max_pixels=args.max_pixels,
        max_concurrency=args.max_concurrency,
        max_queue=args.max_queue,
        max_batch_size=args.max_batch_size,
        batch_window_ms=args.batch_window_ms,
    )
    app = create_app(recognizer_factory(args.model, args.backend), settings)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        # the body limit is ours; these keep slow or idle clients from holding sockets forever
        timeout_keep_alive=5,
        limit_concurrency=max(64, 4 * settings.max_queue),
        server_header=False,
    )
    return 0
