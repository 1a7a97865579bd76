"""Fixtures of the API tests: the app around a fake recognizer, driven in process."""

from __future__ import annotations

import warnings
from typing import Any, Callable, Iterator

import pytest

pytest.importorskip("fastapi", reason="the API tests need the 'serve' extra")
pytest.importorskip("httpx", reason="the in-process API client needs httpx")

with warnings.catch_warnings():  # starlette nudges towards httpx2; httpx is what we have
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from tests.api.fakes import SizeReadingRecognizer, wait_until  # noqa: E402
from text_recognizer.api.app import create_app  # noqa: E402
from text_recognizer.api.settings import ServeSettings  # noqa: E402

#: A Host the service answers to by default (it refuses TestClient's own "testserver").
BASE_URL = "http://127.0.0.1"


@pytest.fixture
def recognizer() -> SizeReadingRecognizer:
    return SizeReadingRecognizer()


@pytest.fixture
def start_client(recognizer: SizeReadingRecognizer) -> Iterator[Callable[..., TestClient]]:
    """Start the app (lifespan included) with settings overrides; waits until it is ready."""
    clients: list[TestClient] = []

    def start(
        factory: Callable[[], Any] | None = None, wait_ready: bool = True, **overrides: Any
    ) -> TestClient:
        settings = ServeSettings(**{"batch_window_ms": 0.0, **overrides})
        app = create_app(factory or (lambda: recognizer), settings)
        client = TestClient(app, base_url=BASE_URL, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        if wait_ready:
            wait_until(lambda: app.state.service.ready)
        return client

    yield start
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(start_client: Callable[..., TestClient]) -> TestClient:
    return start_client()


@pytest.fixture(scope="session")
def openapi_schema() -> dict[str, Any]:
    """The app's OpenAPI document (built once: generating it takes tens of milliseconds)."""
    return create_app(SizeReadingRecognizer).openapi()


@pytest.fixture(scope="session")
def recognize_responses(openapi_schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI ``responses`` declared for POST /v1/recognize."""
    return openapi_schema["paths"]["/v1/recognize"]["post"]["responses"]
