"""The load-test script: loopback only, bounded, and its numbers are right."""

from __future__ import annotations

import json
import time

import pytest

from scripts.load_test import Payload, Results, check_loopback_url, main, resident_mib


@pytest.mark.parametrize(
    "url", ["http://example.com", "http://10.1.2.3:8000", "http://0.0.0.0:8000", "ftp://127.0.0.1"]
)
def test_non_loopback_targets_are_refused(url: str, capsys) -> None:
    assert main(["--url", url, "--requests", "1"]) == 2
    assert "load_test: error:" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:1", "http://[::1]:80"])
def test_loopback_targets_are_accepted(url: str) -> None:
    assert check_loopback_url(url) == url


@pytest.mark.parametrize("option, value", [("--requests", "0"), ("--duration-s", "9999")])
def test_unbounded_runs_are_refused(option: str, value: str) -> None:
    assert main([option, value]) == 2


def test_a_good_request_refused_or_a_bad_one_accepted_counts_as_an_error() -> None:
    good, bad = Payload("good", True, {}), Payload("not_an_image", False, {})
    results = Results()
    for payload, status in [
        (good, 200),
        (good, 422),
        (bad, 415),
        (bad, 200),
        (bad, 500),
        (good, 503),
    ]:
        results.record(payload, status, 10.0)

    summary = results.summary()

    assert summary["errors"] == 3
    assert summary["shed_503"] == 1
    assert summary["p50_ms"] == 10.0


@pytest.mark.slow
def test_load_test_against_a_live_server_reports_no_errors(capsys) -> None:
    pytest.importorskip("uvicorn")
    from tests.api.live_server import live_server

    with live_server(delay_s=0.002) as url:
        code = main(
            ["--url", url, "--clients", "4", "--requests", "60", "--bad-fraction", "0.2", "--json"]
        )

    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    assert summary["requests"] == 60 and summary["errors"] == 0
    assert summary["statuses"]["200"] == 48


def test_peak_sampler_keeps_the_highest_resident_memory_seen() -> None:
    import os

    from scripts.load_test import PeakSampler

    with PeakSampler(os.getpid(), interval_s=0.005) as sampler:
        ballast = bytearray(64 * 1024 * 1024)  # 64 MiB, touched so it is resident
        ballast[::4096] = b"x" * len(ballast[::4096])
        time.sleep(0.05)
        del ballast
        time.sleep(0.05)

    assert sampler.peak is not None
    assert sampler.peak >= resident_mib(os.getpid()) + 32
