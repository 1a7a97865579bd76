"""Liveness and readiness: the process answers at once, readiness waits for the model."""

from __future__ import annotations

import threading

from tests.api.fakes import SizeReadingRecognizer, encoded_image, wait_until


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


def test_readyz_reports_a_model_that_failed_to_load(start_client, caplog) -> None:
    def broken_factory() -> SizeReadingRecognizer:
        raise FileNotFoundError("model.ckpt is missing")

    client = start_client(broken_factory, wait_ready=False)
    wait_until(lambda: client.app.state.service.load_error is not None)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["error"]["message"] == "the model failed to load"
    assert "model.ckpt is missing" in caplog.text
