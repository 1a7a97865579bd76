"""Request counts, latencies and errors in Prometheus' text format, without a client library.

The service needs a handful of counters and two histograms; writing the exposition format
(version 0.0.4) directly avoids a dependency. Labels come from a closed set (route templates,
status codes, error kinds), so a client probing random URLs cannot grow memory without bound.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import defaultdict
from typing import Iterable

#: Latency buckets in seconds: fine around the 25-150 ms a line takes, coarse beyond.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64)

Labels = tuple[tuple[str, str], ...]


class Histogram:
    """Cumulative-bucket histogram of one labelled series (not thread-safe; the registry locks)."""

    def __init__(self, buckets: Iterable[float]) -> None:
        self.buckets = tuple(buckets)
        self.counts = [0] * (len(self.buckets) + 1)  # the last slot is +Inf
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.buckets, value)] += 1
        self.total += value

    @property
    def count(self) -> int:
        return sum(self.counts)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _format_labels(labels: Labels, extra: tuple[str, str] | None = None) -> str:
    pairs = list(labels) + ([extra] if extra else [])
    if not pairs:
        return ""
    return "{" + ",".join(f'{key}="{_escape(value)}"' for key, value in pairs) + "}"


def _number(value: float) -> str:
    return repr(float(value)) if value != int(value) else str(int(value))


class Metrics:
    """The service's counters and histograms; every method is safe to call from any thread.

    >>> metrics = Metrics()
    >>> metrics.observe_request("/healthz", "GET", 200, 0.002)
    >>> 'http_requests_total{route="/healthz",method="GET",status="200"} 1' in metrics.render()
    True
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[Labels, int] = defaultdict(int)
        self._latency: dict[Labels, Histogram] = {}
        self._errors: dict[Labels, int] = defaultdict(int)
        self._batch_sizes = Histogram(BATCH_SIZE_BUCKETS)
        self._model_seconds = Histogram(LATENCY_BUCKETS)
        self._gauges: dict[str, tuple[str, float]] = {}

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one finished request and its latency under its route template."""
        with self._lock:
            self._requests[(("route", route), ("method", method), ("status", str(status)))] += 1
            key = (("route", route),)
            if key not in self._latency:
                self._latency[key] = Histogram(LATENCY_BUCKETS)
            self._latency[key].observe(seconds)

    def count_error(self, kind: str) -> None:
        with self._lock:
            self._errors[(("kind", kind),)] += 1

    def observe_batch(self, size: int, seconds: float) -> None:
        """Record one model call: how many images it carried and how long it took."""
        with self._lock:
            self._batch_sizes.observe(size)
            self._model_seconds.observe(seconds)

    def set_gauge(self, name: str, help_text: str, value: float) -> None:
        with self._lock:
            self._gauges[name] = (help_text, value)

    def requests(self, route: str, method: str, status: int) -> int:
        """How many requests finished with this route, method and status (for tests and logs)."""
        with self._lock:
            return self._requests.get(
                (("route", route), ("method", method), ("status", str(status))), 0
            )

    def errors(self, kind: str) -> int:
        with self._lock:
            return self._errors.get((("kind", kind),), 0)

    def render(self) -> str:
        """The whole registry in Prometheus text exposition format 0.0.4."""
        with self._lock:
            lines: list[str] = []
            lines += _counter(
                "http_requests_total", "Finished HTTP requests.", self._requests.items()
            )
            lines += _histograms(
                "http_request_duration_seconds",
                "Time from the first byte received to the response, by route.",
                self._latency.items(),
            )
            lines += _counter(
                "recognizer_errors_total",
                "Requests answered with an error, by kind.",
                self._errors.items(),
            )
            lines += _histograms(
                "recognizer_batch_size",
                "Images per model call (micro-batching).",
                [((), self._batch_sizes)],
            )
            lines += _histograms(
                "recognizer_model_seconds",
                "Duration of one model call.",
                [((), self._model_seconds)],
            )
            for name, (help_text, value) in sorted(self._gauges.items()):
                lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value}"]
            return "\n".join(lines) + "\n"


def _counter(name: str, help_text: str, series: Iterable[tuple[Labels, int]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} counter"]
    lines += [f"{name}{_format_labels(labels)} {value}" for labels, value in sorted(series)]
    return lines


def _histograms(name: str, help_text: str, series: Iterable[tuple[Labels, Histogram]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} histogram"]
    for labels, histogram in sorted(series, key=lambda item: item[0]):
        cumulative = 0
        for bound, count in zip(histogram.buckets, histogram.counts, strict=False):
            cumulative += count
            bucket = _format_labels(labels, ("le", _number(bound)))
            lines.append(f"{name}_bucket{bucket} {cumulative}")
        lines.append(f'{name}_bucket{_format_labels(labels, ("le", "+Inf"))} {histogram.count}')
        lines.append(f"{name}_sum{_format_labels(labels)} {histogram.total}")
        lines.append(f"{name}_count{_format_labels(labels)} {histogram.count}")
    return lines
