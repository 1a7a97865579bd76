"""Clients that behave badly: a body that stops arriving, a client that goes away, a shutdown
while an upload is still coming. Driven at the ASGI level (tests.api.asgi); the same faults over
real sockets are in test_faults.py (slow lane)."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from tests.api.asgi import exchange, run_served
from tests.api.fakes import encoded_image
from text_recognizer.api.app import create_app
from text_recognizer.api.metrics import Metrics
from text_recognizer.api.middleware import GuardMiddleware
from text_recognizer.api.settings import ServeSettings
from text_recognizer.testing.http_doubles import http_scope

PNG = encoded_image(60, 20)
BODY_TIMEOUT_S = 0.3


@pytest.fixture
def app(recognizer):
    settings = ServeSettings(body_timeout_s=BODY_TIMEOUT_S, batch_window_ms=0.0)
    return create_app(lambda: recognizer, settings)


def test_a_stalled_upload_gets_408_naming_the_body_timeout_and_the_connection_closes(app) -> None:
    async def scenario():
        started = time.perf_counter()
        answer = await exchange(app, [PNG[:10]], then="stall", declared_length=len(PNG))
        return answer, time.perf_counter() - started

    answer, seconds = run_served(app, scenario)

    assert answer.status == 408
    assert answer.json()["error"] == {
        "kind": "body_timeout",
        "message": "the request body did not arrive within the service's body timeout of "
        "0.3 s (--body-timeout)",
    }
    assert answer.headers["connection"] == "close"
    assert BODY_TIMEOUT_S <= seconds < BODY_TIMEOUT_S + 2.0


def test_a_body_that_arrives_in_time_is_not_cut_off(app) -> None:
    answer = run_served(app, lambda: exchange(app, [PNG[:10], PNG[10:]]))

    assert answer.status == 200
    assert "connection" not in answer.headers  # keep-alive stays possible


def test_shutdown_cuts_off_an_upload_still_arriving_with_503(app) -> None:
    async def scenario():
        upload = asyncio.ensure_future(
            exchange(app, [PNG[:10]], then="stall", declared_length=len(PNG))
        )
        await asyncio.sleep(0.05)
        app.state.service.begin_drain()
        return await upload

    answer = run_served(app, scenario)

    assert (answer.status, answer.json()["error"]["kind"]) == (503, "shutting_down")
    assert answer.headers["connection"] == "close"


def test_a_client_leaving_mid_upload_is_counted_apart_not_as_an_error(app, caplog) -> None:
    caplog.set_level(logging.INFO)

    answer = run_served(
        app, lambda: exchange(app, [PNG[:10]], then="disconnect", declared_length=len(PNG))
    )

    metrics = app.state.service.metrics
    assert metrics.value("recognizer_client_disconnects_total", route="/v1/recognize") == 1
    assert metrics.requests("/v1/recognize", "POST", 499) == 1
    assert metrics.errors("internal_error") == 0
    assert "Traceback" not in caplog.text
    assert [r.levelname for r in caplog.records if "went away" in r.message] == ["INFO"]
    assert answer.status in (None, 499)  # nobody is there to read it


def test_a_client_closing_after_a_complete_answer_is_counted_by_its_status() -> None:
    """Streaming responses keep listening for a disconnect after the answer; one that comes
    then is the client finishing, not leaving early (no 499, no disconnect count)."""

    async def answers_then_listens(scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})
        assert (await receive())["type"] == "http.disconnect"

    async def closing_client() -> dict:
        return {"type": "http.disconnect"}

    async def sent(message: dict) -> None:
        pass

    metrics = Metrics()
    guard = GuardMiddleware(
        answers_then_listens, metrics, 1.0, asyncio.Event(), known_paths=["/v1/health"]
    )
    asyncio.run(guard(http_scope("/v1/health", method="GET"), closing_client, sent))

    assert metrics.requests("/v1/health", "GET", 200) == 1
    assert metrics.requests("/v1/health", "GET", 499) == 0
    assert metrics.value("recognizer_client_disconnects_total", route="/v1/health") == 0


def test_an_error_answered_before_the_body_is_read_closes_the_connection(app) -> None:
    too_big = 20 * 1024 * 1024  # over the 10 MiB body limit: refused from Content-Length

    answer = run_served(
        app, lambda: exchange(app, [b"x" * 10], then="stall", declared_length=too_big)
    )

    assert (answer.status, answer.json()["error"]["kind"]) == (413, "body_too_large")
    assert answer.headers["connection"] == "close"
