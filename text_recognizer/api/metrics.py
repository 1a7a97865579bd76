"""The service's Prometheus metrics: requests, latencies, errors by kind, and the process itself.

Each :class:`Metrics` has its own registry (several apps in one test process never share
counts). Labels come from closed sets (route templates, status codes, error kinds, reasons), so
a client probing random URLs cannot grow memory without bound. ``prometheus_client`` is the
optional ``serve`` extra, imported when a Metrics is built.
"""

from __future__ import annotations

from typing import Any, Callable

#: Latency buckets in seconds: fine around the 25-150 ms a line takes, coarse beyond.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64)
#: The exposition format :meth:`Metrics.render` writes.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: The status a request gets in the counts when its client went away before the answer (nginx's).
CLIENT_CLOSED_REQUEST = 499


class Metrics:
    """The service's counters, histograms and gauges; every method is safe from any thread."""

    def __init__(self) -> None:
        import prometheus_client as prom

        self.registry = prom.CollectorRegistry()
        registry = self.registry
        prom.ProcessCollector(registry=registry)
        prom.PlatformCollector(registry=registry)
        self._requests = prom.Counter(
            "http_requests",
            "Finished HTTP requests.",
            ["route", "method", "status"],
            registry=registry,
        )
        self._latency = prom.Histogram(
            "http_request_duration_seconds",
            "Time from the first byte received to the response, by route.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self._errors = prom.Counter(
            "recognizer_errors",
            "Requests answered with an error, by kind.",
            ["kind"],
            registry=registry,
        )
        self._disconnects = prom.Counter(
            "recognizer_client_disconnects",
            "Requests whose client went away before the answer (not errors of the service).",
            ["route"],
            registry=registry,
        )
        self._closed = prom.Counter(
            "recognizer_connections_closed",
            "Connections the service closed on its own, by reason.",
            ["reason"],
            registry=registry,
        )
        self._batch_sizes = prom.Histogram(
            "recognizer_batch_size",
            "Images per model call (micro-batching).",
            buckets=BATCH_SIZE_BUCKETS,
            registry=registry,
        )
        self._model_seconds = prom.Histogram(
            "recognizer_model_seconds",
            "Duration of one model call.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self._ready = prom.Gauge(
            "recognizer_ready", "1 when the model is loaded.", registry=registry
        )
        self._model = prom.Info("recognizer_model", "The model being served.", registry=registry)
        self._gauge_type = prom.Gauge
        self._generate = prom.generate_latest

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one finished request and its latency under its route template."""
        self._requests.labels(route, method, str(status)).inc()
        self._latency.labels(route).observe(seconds)

    def count_error(self, kind: str) -> None:
        self._errors.labels(kind).inc()

    def count_disconnect(self, route: str) -> None:
        self._disconnects.labels(route).inc()

    def count_closed_connection(self, reason: str) -> None:
        self._closed.labels(reason).inc()

    def observe_batch(self, size: int, seconds: float) -> None:
        """Record one model call: how many images it carried and how long it took."""
        self._batch_sizes.observe(size)
        self._model_seconds.observe(seconds)

    def set_ready(self, ready: bool) -> None:
        self._ready.set(1 if ready else 0)

    def set_model(self, version: str) -> None:
        """Export ``recognizer_model_info{version=...} 1``, so dashboards see rollouts."""
        self._model.info({"version": version or "unknown"})

    def track(self, name: str, help_text: str, read: Callable[[], float]) -> None:
        """A gauge whose value is ``read()`` at scrape time (queue depth, bytes in use...)."""
        self._gauge_type(name, help_text, registry=self.registry).set_function(read)

    def value(self, name: str, **labels: str) -> float:
        """The current value of one sample (0 when it was never set), for tests and logs."""
        value = self.registry.get_sample_value(name, labels)
        return 0.0 if value is None else value

    def requests(self, route: str, method: str, status: int) -> int:
        """How many requests finished with this route, method and status."""
        return int(
            self.value("http_requests_total", route=route, method=method, status=str(status))
        )

    def errors(self, kind: str) -> int:
        return int(self.value("recognizer_errors_total", kind=kind))

    def render(self) -> bytes:
        """The whole registry in Prometheus text exposition format 0.0.4."""
        data: Any = self._generate(self.registry)
        return bytes(data)
