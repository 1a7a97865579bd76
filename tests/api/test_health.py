"""Liveness and readiness: the process answers at once, readiness waits for the model."""

from __future__ import annotations

import threading

import pytest

from tests.api.fakes import SizeReadingRecognizer, encoded_image, wait_until
from text_recognizer.api import service as service_module


def test_healthz_and_readyz_wait_for_the_model_to_load(start_client) -> None:
    loaded = threading.Event()

    def slow_factory() -> SizeReadingRecognizer:
        loaded.wait(5)
        return SizeReadingRecognizer()

    client = start_client(slow_factory, wait_ready=False)
    before = client.get("/readyz")
    health = client.get("/healthz")
    upload = client.post("/v1/recognize", files={"file": ("a.png", encoded_image())})
    loaded.set()
    wait_until(lambda: client.app.state.service.ready)
    after = client.get("/readyz")

    assert health.status_code == 200
    assert before.status_code == 503 and before.headers["Retry-After"] == "1"
    assert upload.status_code == 503 and upload.json()["error"]["kind"] == "not_ready"
    assert after.status_code == 200
    assert after.json() == {"status": "ready", "model_version": "fake-1"}


class FlakyFactory:
    """Fails its first ``failures`` calls, like a model on a volume that is not mounted yet."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        self.gate = threading.Event()  # calls wait until it is set
        self.gate.set()

    def __call__(self) -> SizeReadingRecognizer:
        self.gate.wait(5)
        self.calls += 1
        if self.calls <= self.failures:
            raise FileNotFoundError("model.ckpt is missing")
        return SizeReadingRecognizer()


@pytest.fixture
def quick_backoff(monkeypatch) -> None:
    monkeypatch.setattr(service_module, "LOAD_BACKOFF_S", 0.01)


def test_a_model_that_never_loads_stops_the_service_with_the_reason(start_client, caplog) -> None:
    reasons: list[str] = []
    factory = FlakyFactory(failures=99)
    factory.gate.clear()
    client = start_client(factory, wait_ready=False, model_load_attempts=1)
    client.app.state.service.on_load_failed = reasons.append
    factory.gate.set()
    wait_until(lambda: reasons)

    response = client.get("/readyz")

    assert reasons == ["the model failed to load (FileNotFoundError: model.ckpt is missing)"]
    assert response.status_code == 503
    assert response.json()["error"]["message"] == (
        "the model failed to load (1 tries); the service is exiting"
    )
    assert "Retry-After" not in response.headers  # retrying this replica is pointless
    assert "model.ckpt is missing" in caplog.text


def test_readyz_says_when_a_failed_load_will_be_retried(start_client, monkeypatch) -> None:
    monkeypatch.setattr(service_module, "LOAD_BACKOFF_S", 30.0)
    client = start_client(FlakyFactory(failures=1), wait_ready=False, model_load_attempts=2)
    wait_until(lambda: client.app.state.service.load_error is not None)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["error"]["message"].startswith(
        "the model failed to load (try 1 of 2); trying again in about "
    )
    assert 25 <= int(response.headers["Retry-After"]) <= 30


def test_a_load_that_fails_once_is_retried_until_ready(start_client, quick_backoff) -> None:
    factory = FlakyFactory(failures=2)
    client = start_client(factory, wait_ready=False, model_load_attempts=3)
    wait_until(lambda: client.app.state.service.ready)

    assert factory.calls == 3
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_head_like_get_without_a_body(client, path: str) -> None:
    response = client.head(path)

    assert response.status_code == 200
    assert response.content == b""
