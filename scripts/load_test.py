"""Load test of a running ``text-recognizer serve``: latency percentiles, throughput, errors.

Bounded in requests and in time, and loopback only: it refuses any host that is not this
machine, so it cannot be pointed at someone else's service by mistake. A share of the requests
can be bad inputs (``--bad-fraction``): those must get a 4xx, good ones a 200; anything else
(5xx, connection errors, a 4xx for a good image) counts as an error. With ``--pid`` it also
reports the server's resident memory before, at its peak during the run (sampled every 50 ms)
and after, to check that memory stays flat.

    python -m scripts.load_test --url http://127.0.0.1:8000 --clients 4 --requests 200
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import ipaddress
import json
import math
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urlsplit

from PIL import Image, ImageDraw

from text_recognizer.errors import TextRecognizerError
from text_recognizer.io import encode_png
from text_recognizer.modes import MODES

MAX_REQUESTS = 100_000
MAX_DURATION_S = 600.0


class LoadTestError(TextRecognizerError, ValueError):
    """The load test was asked to do something it must not (a remote host, unbounded work)."""


def check_loopback_url(url: str) -> str:
    """``url`` without a trailing slash if its host is this machine, else LoadTestError.

    >>> check_loopback_url("http://127.0.0.1:8000/")
    'http://127.0.0.1:8000'
    >>> check_loopback_url("http://example.com:8000")
    Traceback (most recent call last):
    ...
    scripts.load_test.LoadTestError: refusing to load-test example.com: only loopback hosts \
(127.0.0.0/8, ::1, localhost) are allowed
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https"):
        raise LoadTestError(f"expected an http:// URL, got {url!r}")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise LoadTestError(
            f"refusing to load-test {host or url}: only loopback hosts "
            "(127.0.0.0/8, ::1, localhost) are allowed"
        )
    return url.rstrip("/")


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in [0, 1]); NaN for no values.

    >>> percentile([5, 1, 4, 2, 3], 0.5), percentile(range(1, 101), 0.95)
    (3, 95)
    """
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def line_image_png(text: str = "A MOVE to stop Mr. Gaitskell", height: int = 40) -> bytes:
    """A PNG of one dark-on-white text line, the size of a scanned handwriting line."""
    width = max(64, 11 * len(text))
    image = Image.new("L", (width, height), 255)
    ImageDraw.Draw(image).text((6, height // 4), text, fill=20)
    return encode_png(image)


@dataclass(frozen=True)
class Payload:
    """One request to send: how, and whether it is expected to succeed."""

    name: str
    good: bool
    kwargs: dict[str, Any]


def build_payloads(image: bytes, mode: str) -> tuple[Payload, list[Payload]]:
    """The good request and the cycle of bad ones (each a different bad-input class)."""
    encoded = base64.b64encode(image).decode()
    good = Payload("good", True, {"files": {"file": ("line.png", image)}, "data": {"mode": mode}})
    bad = [
        Payload("not_an_image", False, {"files": {"file": ("a.png", b"not an image at all")}}),
        Payload("truncated", False, {"files": {"file": ("a.png", image[: len(image) // 2])}}),
        Payload("bad_base64", False, {"json": {"image": "data:image/png;base64,@@@" + encoded}}),
        Payload(
            "unknown_mode",
            False,
            {"json": {"image": "data:image/png;base64," + encoded, "mode": "sideways"}},
        ),
        Payload(
            "malformed_json",
            False,
            {"content": b'{"image": ', "headers": {"Content-Type": "application/json"}},
        ),
        Payload(
            "wrong_type", False, {"content": b"hello", "headers": {"Content-Type": "text/plain"}}
        ),
    ]
    return good, bad


@dataclass
class Results:
    latencies_ms: list[float] = field(default_factory=list)  # successful good requests
    statuses: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    shed: int = 0  # 503 with Retry-After: the service protecting itself, reported separately
    sent: int = 0
    seconds: float = 0.0

    def record(
        self, payload: Payload, status: int | None, elapsed_ms: float, error: str = ""
    ) -> None:
        self.sent += 1
        if status is None:
            self.errors[f"transport: {error}"] += 1
            return
        self.statuses[str(status)] += 1
        if status == 503:
            self.shed += 1
        elif payload.good and status == 200:
            self.latencies_ms.append(elapsed_ms)
        elif payload.good or not 400 <= status < 500:
            self.errors[f"{payload.name} -> {status}"] += 1

    def summary(self) -> dict[str, Any]:
        latencies = self.latencies_ms
        return {
            "requests": self.sent,
            "seconds": round(self.seconds, 3),
            "throughput_rps": round(self.sent / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(percentile(latencies, 0.50), 2),
            "p95_ms": round(percentile(latencies, 0.95), 2),
            "p99_ms": round(percentile(latencies, 0.99), 2),
            "max_ms": round(max(latencies), 2) if latencies else math.nan,
            "statuses": dict(sorted(self.statuses.items())),
            "shed_503": self.shed,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
        }


def resident_mib(pid: int) -> float | None:
    """Resident memory of process ``pid`` in MiB (Linux /proc), or None where unavailable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


class PeakSampler:
    """Samples a process's resident memory in a thread while the load runs; keeps the peak."""

    def __init__(self, pid: int, interval_s: float = 0.05) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.peak: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = resident_mib(self.pid)
            if rss is not None and (self.peak is None or rss > self.peak):
                self.peak = rss
            self._stop.wait(self.interval_s)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


async def wait_until_ready(client: Any, timeout_s: float) -> None:
    """Poll ``/readyz`` until it answers 200 (the model is loaded), or raise LoadTestError."""
    import httpx

    deadline = time.perf_counter() + timeout_s
    last = "no answer"
    while time.perf_counter() < deadline:
        try:
            response = await client.get("/readyz")
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}"
        except httpx.HTTPError as error:
            last = type(error).__name__
        await asyncio.sleep(0.25)
    raise LoadTestError(f"{client.base_url} was not ready within {timeout_s:.0f} s ({last})")


async def run_load(
    url: str,
    clients: int,
    requests: int,
    duration_s: float,
    bad_fraction: float = 0.0,
    mode: str = "lines",
    image: bytes | None = None,
    warmup: int = 5,
    ready_timeout_s: float = 60.0,
) -> Results:
    """Send ``requests`` requests from ``clients`` concurrent connections (or stop at the deadline)."""
    import httpx

    url = check_loopback_url(url)
    good, bad = build_payloads(image or line_image_png(), mode)
    results = Results()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=30.0, limits=limits) as client:
        await wait_until_ready(client, ready_timeout_s)
        for _ in range(warmup):
            await client.post("/v1/recognize", **good.kwargs)
        counter = iter(range(requests))
        bad_every = round(1 / bad_fraction) if bad_fraction > 0 else 0
        deadline = time.perf_counter() + duration_s

        async def worker() -> None:
            for index in counter:
                if time.perf_counter() > deadline:
                    return
                is_bad = bad_every and index % bad_every == bad_every - 1
                payload = bad[(index // max(bad_every, 1)) % len(bad)] if is_bad else good
                started = time.perf_counter()
                try:
                    response = await client.post("/v1/recognize", **payload.kwargs)
                except httpx.HTTPError as error:
                    results.record(payload, None, 0.0, type(error).__name__)
                    continue
                results.record(
                    payload, response.status_code, 1000 * (time.perf_counter() - started)
                )

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        results.seconds = time.perf_counter() - started
    return results


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="loopback URL of the server")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (1-256)")
    parser.add_argument("--requests", type=int, default=200, help=f"total (1-{MAX_REQUESTS})")
    parser.add_argument("--duration-s", type=float, default=60.0, help="stop after this long")
    parser.add_argument(
        "--bad-fraction", type=float, default=0.0, help="share of bad inputs, 0-0.5"
    )
    parser.add_argument("--mode", default="lines", choices=MODES)
    parser.add_argument("--image", type=Path, help="image to send (default: a generated line)")
    parser.add_argument("--pid", type=int, help="server process id, to report its memory")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON only")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the load test; exit code 1 if any request ended in an error, 2 on bad arguments."""
    args = build_parser().parse_args(argv)
    try:
        check_loopback_url(args.url)
        if not 1 <= args.clients <= 256:
            raise LoadTestError(f"--clients must be 1 to 256, got {args.clients}")
        if not 1 <= args.requests <= MAX_REQUESTS:
            raise LoadTestError(f"--requests must be 1 to {MAX_REQUESTS}, got {args.requests}")
        if not 0 < args.duration_s <= MAX_DURATION_S:
            raise LoadTestError(
                f"--duration-s must be in (0, {MAX_DURATION_S}], got {args.duration_s}"
            )
        if not 0.0 <= args.bad_fraction <= 0.5:
            raise LoadTestError(f"--bad-fraction must be 0 to 0.5, got {args.bad_fraction}")
        image = args.image.read_bytes() if args.image else None
    except (LoadTestError, OSError) as error:
        print(f"load_test: error: {error}", file=sys.stderr)
        return 2
    memory_before = resident_mib(args.pid) if args.pid else None
    with PeakSampler(args.pid) if args.pid else contextlib.nullcontext() as sampler:
        results = asyncio.run(
            run_load(
                args.url,
                args.clients,
                args.requests,
                args.duration_s,
                args.bad_fraction,
                args.mode,
                image,
            )
        )
    summary = results.summary()
    summary["clients"] = args.clients
    if args.pid:
        summary["server_rss_mib"] = {
            "before": memory_before,
            "peak": sampler.peak,
            "after": resident_mib(args.pid),
        }
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"{summary['requests']} requests from {args.clients} clients in "
            f"{summary['seconds']} s: {summary['throughput_rps']} requests/s"
        )
        print(
            f"latency of good requests: p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, "
            f"p99 {summary['p99_ms']} ms, max {summary['max_ms']} ms"
        )
        print(
            f"statuses: {summary['statuses']}; shed (503): {summary['shed_503']}; "
            f"errors: {summary['errors']} {summary['error_kinds'] or ''}"
        )
        if args.pid:
            rss = summary["server_rss_mib"]
            print(
                f"server RSS: {rss['before']} MiB before, {rss['peak']} MiB at the peak, "
                f"{rss['after']} MiB after"
            )
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
