"""GET /metrics: Prometheus text with request counts, latency histograms and errors by kind."""

from __future__ import annotations

import re
import time

import pytest

from tests.api.fakes import encoded_image

prometheus_parser = pytest.importorskip("prometheus_client.parser")

SAMPLE_LINE = re.compile(r'^[a-z_]+(\{([a-z_]+="[^"]*",?)+\})? [0-9.e+-]+$')
SERIES = re.compile(r"^(?P<name>[a-z_]+)(\{(?P<labels>.*)\})?$")


def sample(metrics_text: str, series: str) -> float:
    """The value of ``series`` (``name{label="value",...}``, labels in any order)."""
    match = SERIES.match(series)
    assert match, series
    labels = dict(re.findall(r'([a-z_]+)="([^"]*)"', match["labels"] or ""))
    for family in prometheus_parser.text_string_to_metric_families(metrics_text):
        for found in family.samples:
            if found.name == match["name"] and found.labels == labels:
                return found.value
    raise AssertionError(f"{series} not in metrics:\n{metrics_text}")


def test_requests_are_counted_by_route_method_and_status(client) -> None:
    for _ in range(2):
        client.post("/v1/recognize", files={"file": ("a.png", encoded_image())})
    client.post("/v1/recognize", content=b"junk", headers={"Content-Type": "image/png"})

    text = client.get("/metrics").text

    ok = 'http_requests_total{route="/v1/recognize",method="POST",status="200"}'
    refused = 'http_requests_total{route="/v1/recognize",method="POST",status="415"}'
    assert (sample(text, ok), sample(text, refused)) == (2, 1)


def test_errors_are_counted_by_kind(client) -> None:
    client.post("/v1/recognize", content=b"junk", headers={"Content-Type": "image/png"})
    client.post("/v1/recognize", content=b"{", headers={"Content-Type": "application/json"})
    client.post("/v1/recognize", content=b"[1", headers={"Content-Type": "application/json"})

    text = client.get("/metrics").text

    assert sample(text, 'recognizer_errors_total{kind="not_an_image"}') == 1
    assert sample(text, 'recognizer_errors_total{kind="malformed_json"}') == 2


def test_latency_histogram_counts_every_request_of_a_route(client) -> None:
    for _ in range(3):
        client.get("/healthz")

    text = client.get("/metrics").text

    assert sample(text, 'http_request_duration_seconds_count{route="/healthz"}') == 3
    assert sample(text, 'http_request_duration_seconds_bucket{route="/healthz",le="+Inf"}') == 3


def test_latency_is_observed_in_seconds_within_the_requests_wall_time(client) -> None:
    started = time.perf_counter()
    for _ in range(3):
        client.get("/healthz")
    wall = time.perf_counter() - started

    text = client.get("/metrics").text

    observed = sample(text, 'http_request_duration_seconds_sum{route="/healthz"}')
    assert 0 < observed <= wall


def test_unmatched_paths_share_one_label_so_probes_cannot_grow_memory(client) -> None:
    for index in range(5):
        client.get(f"/probe/{index}")

    text = client.get("/metrics").text

    assert sample(text, 'http_requests_total{route="other",method="GET",status="404"}') == 5
    assert "/probe/" not in text


def test_model_calls_and_readiness_are_exported(client) -> None:
    client.post("/v1/recognize", files={"file": ("a.png", encoded_image())})

    text = client.get("/metrics").text

    assert sample(text, "recognizer_batch_size_count") == 1
    assert sample(text, "recognizer_ready") == 1
    assert sample(text, "recognizer_queue_depth") == 0


def test_every_sample_line_is_in_prometheus_text_format(client) -> None:
    client.post("/v1/recognize", files={"file": ("a.png", encoded_image())})
    response = client.get("/metrics")

    samples = [line for line in response.text.splitlines() if not line.startswith("#")]
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert samples and all(SAMPLE_LINE.match(line) for line in samples), samples


def test_the_model_version_is_exported_as_an_info_metric(client) -> None:
    text = client.get("/metrics").text

    assert sample(text, 'recognizer_model_info{version="fake-1"}') == 1


def test_process_metrics_are_exported(client) -> None:
    text = client.get("/metrics").text

    assert sample(text, "process_resident_memory_bytes") > 10 * 1024 * 1024
    assert sample(text, "process_open_fds") >= 3


def test_two_apps_in_one_process_keep_separate_counts(start_client) -> None:
    first, second = start_client(), start_client()
    first.get("/healthz")

    text = second.get("/metrics").text

    with pytest.raises(AssertionError, match="not in metrics"):
        sample(text, 'http_requests_total{route="/healthz",method="GET",status="200"}')
