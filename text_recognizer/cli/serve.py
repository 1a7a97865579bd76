"""``text-recognizer serve``: the REST API and web page on a staged model (extra ``serve``)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, Callable, Mapping

from text_recognizer.cli.common import positive_int
from text_recognizer.errors import TextRecognizerError
from text_recognizer.extras import require

LOOPBACK_DEFAULT = "127.0.0.1"
#: Environment variable holding the bearer token (safer than --token, which ``ps`` shows).
TOKEN_ENV = "TEXT_RECOGNIZER_TOKEN"


def _window_ms(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected milliseconds, got {text!r}") from None
    if not 0.0 <= value <= 1000.0:
        raise argparse.ArgumentTypeError(f"expected 0 to 1000 ms, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not 0.0 < value <= 3600.0:
        raise argparse.ArgumentTypeError(f"expected more than 0 and at most 3600 s, got {value}")
    return value


def _names(text: str) -> tuple[str, ...]:
    """``a, b,c`` -> ``("a", "b", "c")``."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise argparse.ArgumentTypeError(f"expected comma-separated names, got {text!r}")
    return names


def register(subparsers: Any) -> None:
    from text_recognizer.api.settings import ServeSettings

    defaults = ServeSettings()
    parser = subparsers.add_parser(
        "serve",
        help="serve the recognizer over HTTP (REST API + web page)",
        description="Run the REST API (POST /v1/recognize, /healthz, /readyz, /metrics) and the "
        "web page at /. Binds to loopback unless --host says otherwise; any other address "
        f"needs a bearer token (--token or ${TOKEN_ENV}).",
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
        "--max-decode-bytes",
        type=positive_int,
        default=defaults.max_decode_bytes,
        help="estimated memory one image may need to decode and recognize; more is a 413 "
        "(default: %(default)s)",
    )
    limits.add_argument(
        "--decode-budget-bytes",
        type=positive_int,
        default=defaults.decode_budget_bytes,
        help="estimated memory of all images in flight together; others wait "
        "(default: %(default)s)",
    )
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
    limits.add_argument(
        "--max-inflight",
        type=positive_int,
        default=defaults.max_inflight,
        help="recognize requests being read, decoded or recognized at once; more get 503 "
        "(default: %(default)s)",
    )
    limits.add_argument(
        "--max-connections",
        type=positive_int,
        default=defaults.max_connections,
        help="open connections beyond which all but /healthz and /readyz get 503 "
        "(default: %(default)s)",
    )
    limits.add_argument("--max-batch-size", type=positive_int, default=defaults.max_batch_size)
    limits.add_argument(
        "--batch-window-ms",
        type=_window_ms,
        default=defaults.batch_window_ms,
        help="how long to gather concurrent requests into one batch (default: %(default)s)",
    )
    timeouts = parser.add_argument_group("timeouts (seconds)")
    for option, name, what in (
        ("--header-timeout", "header_timeout_s", "request headers must arrive within this"),
        ("--body-timeout", "body_timeout_s", "the whole body must arrive within this (408)"),
        ("--keep-alive-timeout", "keep_alive_timeout_s", "idle keep-alive connections close"),
        ("--shutdown-timeout", "shutdown_timeout_s", "after SIGTERM, running requests get this"),
    ):
        timeouts.add_argument(
            option, type=_seconds, default=getattr(defaults, name), help=f"{what} (%(default)s)"
        )
    parser.add_argument(
        "--model-load-attempts",
        type=positive_int,
        default=defaults.model_load_attempts,
        help="tries to load the model, 1, 2, 4... s apart, before exiting with status 2 "
        "(default: %(default)s)",
    )
    access = parser.add_argument_group("access")
    access.add_argument(
        "--allowed-hosts",
        type=_names,
        default=None,
        help="comma-separated Host header values served ('*' any, '*.example.com'); default: "
        "the loopback names on a loopback bind, any host otherwise",
    )
    access.add_argument(
        "--trusted-proxies",
        type=_names,
        default=(),
        help="comma-separated IPs or networks whose X-Forwarded-For/-Proto are believed "
        "(default: none)",
    )
    access.add_argument(
        "--token",
        default=None,
        help=f"bearer token for /v1/recognize and /metrics (default: ${TOKEN_ENV}); required "
        "when --host is not loopback",
    )
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning"))
    parser.set_defaults(func=handle)


def settings_from_args(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> Any:
    """The :class:`ServeSettings` the options ask for, refusing an unprotected public bind."""
    from text_recognizer.api.access import is_loopback
    from text_recognizer.api.settings import LOOPBACK_HOSTS, ServeSettings

    token = args.token or environ.get(TOKEN_ENV) or None
    loopback = is_loopback(args.host)
    if not loopback and token is None:
        raise TextRecognizerError(
            f"binding to {args.host} exposes the service beyond this machine; set a bearer "
            f"token with --token or ${TOKEN_ENV} (or bind to {LOOPBACK_DEFAULT})"
        )
    allowed_hosts = args.allowed_hosts or (LOOPBACK_HOSTS if loopback else ("*",))
    return ServeSettings(
        max_body_bytes=args.max_body_bytes,
        max_pixels=args.max_pixels,
        max_decode_bytes=args.max_decode_bytes,
        decode_budget_bytes=args.decode_budget_bytes,
        max_concurrency=args.max_concurrency,
        max_queue=args.max_queue,
        max_inflight=args.max_inflight,
        max_connections=args.max_connections,
        max_batch_size=args.max_batch_size,
        batch_window_ms=args.batch_window_ms,
        header_timeout_s=args.header_timeout,
        body_timeout_s=args.body_timeout,
        keep_alive_timeout_s=args.keep_alive_timeout,
        shutdown_timeout_s=args.shutdown_timeout,
        model_load_attempts=args.model_load_attempts,
        allowed_hosts=tuple(allowed_hosts),
        trusted_proxies=tuple(args.trusted_proxies),
        token=token,
    )


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
    for module in ("fastapi", "python_multipart", "uvicorn", "prometheus_client"):
        require(module, "the HTTP service")
    from text_recognizer.api.app import create_app
    from text_recognizer.api.server import build_server

    settings = settings_from_args(args)
    app = create_app(recognizer_factory(args.model, args.backend), settings)
    server = build_server(app, args.host, args.port, settings, log_level=args.log_level)
    server.run()
    service = app.state.service
    if service.load_failed:
        raise TextRecognizerError(
            f"the model failed to load after {service.load_attempts} tries "
            f"({service.load_error}); see the log above"
        )
    return 0
