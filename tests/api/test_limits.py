"""Bounded concurrency: a full queue answers 503 at once, concurrent requests share model calls."""

from __future__ import annotations

import threading
from typing import Any, Callable

import pytest

from tests.api.fakes import encoded_image, wait_until


def post_in_background(client, results: list[Any], width: int = 60) -> threading.Thread:
    def post() -> None:
        results.append(
            client.post("/v1/recognize", files={"file": ("a.png", encoded_image(width, 20))})
        )

    thread = threading.Thread(target=post, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def held_model(recognizer) -> Callable[[], None]:
    """Make the fake's model calls block until the returned function is called."""
    recognizer.gate.clear()
    yield recognizer.gate.set
    recognizer.gate.set()


def test_full_queue_answers_503_with_retry_after(start_client, recognizer, held_model) -> None:
    client = start_client(max_queue=1, max_batch_size=1)
    service = client.app.state.service
    results: list[Any] = []
    running = post_in_background(client, results)
    wait_until(recognizer.entered.is_set)  # the model is busy with the first request
    waiting = post_in_background(client, results)
    wait_until(lambda: service.queued == 1)  # the second fills the queue

    refused = client.post("/v1/recognize", files={"file": ("a.png", encoded_image())})
    held_model()
    running.join(5)
    waiting.join(5)

    assert refused.status_code == 503
    assert refused.json()["error"]["kind"] == "queue_full"
    assert refused.headers["Retry-After"] == "1"
    assert [response.status_code for response in results] == [200, 200]


def test_requests_waiting_together_are_answered_by_one_batch(
    start_client, recognizer, held_model
) -> None:
    client = start_client(max_batch_size=8)
    service = client.app.state.service
    results: list[Any] = []
    threads = [post_in_background(client, results, width=60)]
    wait_until(recognizer.entered.is_set)
    threads += [post_in_background(client, results, width=61 + index) for index in range(3)]
    wait_until(lambda: service.queued == 3)

    held_model()
    for thread in threads:
        thread.join(5)

    assert recognizer.batch_sizes == [1, 3]
    assert sorted(response.json()["text"] for response in results) == [
        "60x20",
        "61x20",
        "62x20",
        "63x20",
    ]


def test_batch_window_gathers_requests_that_arrive_close_together(start_client, recognizer) -> None:
    client = start_client(batch_window_ms=300.0, max_batch_size=2)
    results: list[Any] = []
    threads = [post_in_background(client, results, width=60 + index) for index in range(2)]
    for thread in threads:
        thread.join(5)

    assert recognizer.batch_sizes == [2]
    assert [response.status_code for response in results] == [200, 200]


def test_one_bad_image_in_a_batch_fails_only_its_own_request(
    start_client, recognizer, held_model
) -> None:
    from tests.api.fakes import INVALID_WIDTH

    client = start_client()
    service = client.app.state.service
    results: list[Any] = []
    threads = [post_in_background(client, results)]
    wait_until(recognizer.entered.is_set)
    threads += [post_in_background(client, results, width=w) for w in (INVALID_WIDTH, 70)]
    wait_until(lambda: service.queued == 2)

    held_model()
    for thread in threads:
        thread.join(5)

    assert sorted(response.status_code for response in results) == [200, 200, 422]


def test_event_loop_answers_health_checks_while_the_model_is_busy(
    client, recognizer, held_model
) -> None:
    results: list[Any] = []
    running = post_in_background(client, results)
    wait_until(recognizer.entered.is_set)

    health = client.get("/healthz")
    held_model()
    running.join(5)

    assert health.status_code == 200
    assert results[0].status_code == 200
