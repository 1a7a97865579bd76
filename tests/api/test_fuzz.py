"""Property: whatever bytes or JSON a client sends, the answer is 2xx or a 4xx JSON error."""

from __future__ import annotations

import json
import os

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.api.fakes import encoded_image  # noqa: E402

PNG = encoded_image(40, 16)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "multipart/form-data; boundary=fuzz",
        "multipart/form-data",
        "image/png",
        "image/jpeg",
        "text/plain",
        "",
    ]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["image", "mode", "x"]), children, max_size=3),
    max_leaves=12,
)
# Mutations of a real PNG reach the decoders instead of stopping at the signature check.
MUTATED_PNG = st.builds(
    lambda cut, flips: bytes(
        byte ^ flips.get(index, 0) for index, byte in enumerate(PNG[: max(cut, 1)])
    ),
    st.integers(0, len(PNG)),
    st.dictionaries(st.integers(0, len(PNG) - 1), st.integers(1, 255), max_size=8),
)
#: Few examples per run keep the fast lane fast; API_FUZZ_EXAMPLES=2000 for a deep search.
FUZZ = settings(
    max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", "25")),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    deadline=None,
)


def assert_client_error_or_success(response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["kind"] and error["message"]


@FUZZ
@given(body=st.binary(max_size=512) | MUTATED_PNG, content_type=CONTENT_TYPES)
def test_arbitrary_bytes_never_cause_a_server_error(client, body: bytes, content_type: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {}

    response = client.post("/v1/recognize", content=body, headers=headers)

    assert_client_error_or_success(response)


@FUZZ
@given(payload=JSON_VALUES)
def test_arbitrary_json_never_causes_a_server_error(client, payload) -> None:
    response = client.post(
        "/v1/recognize",
        content=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )

    assert_client_error_or_success(response)


@FUZZ
@given(prefix=st.text(max_size=40), payload=st.text(max_size=80), mode=st.text(max_size=10))
def test_malformed_data_urls_never_cause_a_server_error(client, prefix, payload, mode) -> None:
    response = client.post("/v1/recognize", json={"image": prefix + payload, "mode": mode})

    assert_client_error_or_success(response)


@FUZZ
@given(upload=MUTATED_PNG, mode=st.sampled_from(["line", "paragraph", "auto", "", "?"]))
def test_mutated_multipart_uploads_never_cause_a_server_error(client, upload, mode) -> None:
    response = client.post("/v1/recognize", files={"file": ("a.png", upload)}, data={"mode": mode})

    assert_client_error_or_success(response)
