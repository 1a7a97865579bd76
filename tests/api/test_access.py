"""Who is served: the Host header, the bearer token, connection overload and in-flight limits.

Refusals are JSON in the error contract, counted in /metrics, and never reach the probes.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.api.fakes import INVALID_WIDTH, encoded_image, wait_until

TOKEN = "correct-horse-battery-staple"
PNG = encoded_image()


def recognize(client, **kwargs: Any):
    return client.post("/v1/recognize", files={"file": ("a.png", PNG)}, **kwargs)


def test_a_host_not_allowed_gets_400_naming_the_allowed_hosts(client) -> None:
    response = recognize(client, headers={"Host": "attacker.example"})

    assert response.status_code == 400
    assert response.json()["error"] == {
        "kind": "invalid_host",
        "message": "Host 'attacker.example' is not served here; the allowed hosts are "
        "127.0.0.1, localhost, ::1 (--allowed-hosts)",
    }


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1", "[::1]:8000", "LOCALHOST"])
def test_loopback_names_are_allowed_by_default(client, host: str) -> None:
    assert recognize(client, headers={"Host": host}).status_code == 200


def test_probes_answer_whatever_the_host(client) -> None:
    assert client.get("/healthz", headers={"Host": "10.0.0.7:8000"}).status_code == 200


@pytest.fixture
def token_client(start_client):
    return start_client(token=TOKEN)


def test_with_a_token_recognize_without_it_gets_401_with_www_authenticate(token_client) -> None:
    response = recognize(token_client)

    assert response.status_code == 401
    assert response.json()["error"]["kind"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        f"Bearer {TOKEN[:1]}",
        "Bearer ",
        f"Basic {TOKEN}",
        TOKEN,
    ],
)
def test_a_wrong_token_or_scheme_gets_401(token_client, header: str) -> None:
    assert recognize(token_client, headers={"Authorization": header}).status_code == 401


def test_the_right_token_is_served(token_client) -> None:
    response = recognize(token_client, headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 200


def test_with_a_token_metrics_are_protected_but_probes_and_page_are_open(token_client) -> None:
    statuses = {path: token_client.get(path).status_code for path in ("/metrics", "/healthz", "/")}

    assert statuses == {"/metrics": 401, "/healthz": 200, "/": 200}


def test_refused_requests_are_counted_under_the_route_they_aimed_at(token_client) -> None:
    recognize(token_client)

    metrics = token_client.app.state.service.metrics
    assert metrics.requests("/v1/recognize", "POST", 401) == 1
    assert metrics.errors("unauthorized") == 1


def test_too_many_open_connections_gets_503_overloaded_but_probes_answer(client) -> None:
    client.app.state.connections.open = 300  # what 300 idle sockets do to the counter

    refused = recognize(client)
    health = client.get("/healthz")

    assert (refused.status_code, refused.json()["error"]["kind"]) == (503, "overloaded")
    assert "300 open connections" in refused.json()["error"]["message"]
    assert refused.headers["Retry-After"] == "1"
    assert health.status_code == 200
    assert client.app.state.service.metrics.errors("overloaded") == 1


def test_recognize_requests_beyond_max_inflight_get_503_overloaded(
    start_client, recognizer
) -> None:
    client = start_client(max_inflight=1)
    recognizer.gate.clear()
    results: list[Any] = []
    running = threading.Thread(target=lambda: results.append(recognize(client)), daemon=True)
    running.start()
    wait_until(recognizer.entered.is_set)

    refused = recognize(client)
    recognizer.gate.set()
    running.join(5)

    assert (refused.status_code, refused.json()["error"]["kind"]) == (503, "overloaded")
    assert results[0].status_code == 200
    assert client.app.state.service.inflight == 0


def test_a_request_the_model_refuses_leaves_the_in_flight_count(start_client) -> None:
    """Failed requests must leave the count too, or it creeps up to --max-inflight and the
    service answers 503 to everyone."""
    client = start_client(max_inflight=1)
    for _ in range(3):
        response = client.post(
            "/v1/recognize", files={"file": ("a", encoded_image(INVALID_WIDTH, 20))}
        )
        assert response.status_code == 422
        assert client.app.state.service.inflight == 0
    assert recognize(client).status_code == 200
