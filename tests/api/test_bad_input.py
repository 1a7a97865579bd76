"""Every class of bad input gets a 4xx JSON error whose kind names the problem.

Each case also checks that its status is declared in the OpenAPI schema, so the documented
contract and the behaviour cannot drift apart.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.api.fakes import CRASH_WIDTH, INVALID_WIDTH, encoded_image
from text_recognizer.api.errors import MAX_MESSAGE_CHARS
from text_recognizer.testing.http_doubles import png_claiming

PNG = encoded_image(60, 20)
SMALL_BODY_LIMIT = 64 * 1024


def as_data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def multipart(data: bytes, **fields: str) -> dict[str, Any]:
    return {"files": {"file": ("upload", data)}, "data": fields}


def raw(body: bytes, content_type: str | None) -> dict[str, Any]:
    headers = {"Content-Type": content_type} if content_type else {}
    return {"content": body, "headers": headers}


BAD_INPUTS = {
    "empty body": (raw(b"", "image/png"), 400, "empty_body"),
    "empty JSON body": (raw(b"", "application/json"), 400, "empty_body"),
    "empty uploaded file": (multipart(b""), 400, "empty_body"),
    "not an image": (multipart(b"hello, I am text, not pixels"), 415, "not_an_image"),
    "a PDF": (multipart(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"), 415, "not_an_image"),
    "truncated PNG": (multipart(PNG[: len(PNG) // 2]), 422, "corrupt_image"),
    "PNG header only": (multipart(PNG[:33]), 422, "corrupt_image"),
    "too many pixels": (multipart(encoded_image(3000, 2000)), 413, "too_many_pixels"),
    "a decompression bomb": (multipart(png_claiming(40_000, 40_000)), 413, "too_many_pixels"),
    "too much memory to decode": (
        multipart(encoded_image(900, 900, mode="RGBA")),
        413,
        "decode_too_large",
    ),
    "extreme aspect ratio": (multipart(encoded_image(2000, 2)), 422, "invalid_image"),
    "body too large": (multipart(b"x" * (SMALL_BODY_LIMIT + 1)), 413, "body_too_large"),
    "bad base64": (
        {"json": {"image": "data:image/png;base64,iVBOR*w0K!!"}},
        400,
        "bad_base64",
    ),
    "not a data URL": ({"json": {"image": "https://example.com/a.png"}}, 400, "bad_data_url"),
    "data URL of text": ({"json": {"image": "data:text/plain;base64,aGk="}}, 400, "bad_data_url"),
    "image is a number": ({"json": {"image": 42}}, 400, "bad_data_url"),
    "data URL of not an image": (
        {"json": {"image": as_data_url(b"plain words")}},
        415,
        "not_an_image",
    ),
    "unknown mode in JSON": (
        {"json": {"image": as_data_url(PNG), "mode": "page"}},
        422,
        "unknown_mode",
    ),
    "unknown mode in form": (multipart(PNG, mode="sideways"), 422, "unknown_mode"),
    "mode of the wrong type": (
        {"json": {"image": as_data_url(PNG), "mode": 3}},
        422,
        "unknown_mode",
    ),
    "malformed JSON": (raw(b'{"image": "data:', "application/json"), 400, "malformed_json"),
    "JSON not UTF-8": (raw(b'{"image": "\xff\xfe"}', "application/json"), 400, "malformed_json"),
    "deeply nested JSON": (
        raw(b"[" * 100_00 + b"]" * 100_00, "application/json"),
        400,
        "malformed_json",
    ),
    "JSON array": ({"json": [as_data_url(PNG)]}, 422, "invalid_request"),
    "JSON without image": ({"json": {"picture": as_data_url(PNG)}}, 422, "invalid_request"),
    "wrong content type": (raw(PNG, "text/plain"), 415, "unsupported_media_type"),
    "no content type": (raw(PNG, None), 415, "unsupported_media_type"),
    "multipart without boundary": (
        raw(b"--x\r\n", "multipart/form-data"),
        400,
        "malformed_multipart",
    ),
    "multipart without file part": (
        {"data": {"mode": "line"}, "files": {"other": ("a.png", PNG)}},
        400,
        "malformed_multipart",
    ),
}


@pytest.fixture
def limited_client(start_client):
    return start_client(
        max_body_bytes=SMALL_BODY_LIMIT,
        max_pixels=1_000_000,
        max_decode_bytes=16 * 1024 * 1024,
        decode_budget_bytes=16 * 1024 * 1024,
    )


@pytest.mark.parametrize("request_kwargs, status, kind", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_gets_a_4xx_json_error_naming_the_problem(
    limited_client, recognizer, recognize_responses, request_kwargs, status, kind
) -> None:
    response = limited_client.post("/v1/recognize", **request_kwargs)

    assert (response.status_code, response.json()["error"]["kind"]) == (status, kind)
    assert response.json()["error"]["message"]
    assert str(status) in recognize_responses
    assert recognizer.batch_sizes == []  # refused before the model


def test_streamed_body_over_the_limit_is_refused_without_content_length(limited_client) -> None:
    chunks = iter([b"x" * 1024] * (SMALL_BODY_LIMIT // 1024 + 1))  # no Content-Length: sent chunked

    response = limited_client.post(
        "/v1/recognize", content=chunks, headers={"Content-Type": "image/png"}
    )

    assert response.status_code == 413
    assert response.json()["error"]["kind"] == "body_too_large"


def test_error_the_model_raises_on_an_image_is_a_422(client) -> None:
    response = client.post("/v1/recognize", files={"file": ("a", encoded_image(INVALID_WIDTH, 20))})

    assert response.status_code == 422
    assert response.json()["error"] == {
        "kind": "invalid_image",
        "message": f"image is {INVALID_WIDTH} pixels wide, which the fake refuses",
    }


def test_input_the_model_refuses_is_a_422_naming_the_reason(client, recognizer) -> None:
    recognizer.refuse_paragraphs = True

    response = client.post("/v1/recognize", files={"file": ("a", PNG)}, data={"mode": "paragraph"})

    assert response.status_code == 422
    assert response.json()["error"] == {
        "kind": "unprocessable_input",
        "message": "mode 'paragraphs' asked for, but only lines model(s) are staged",
    }


def test_model_crash_is_a_500_without_internals(client, caplog) -> None:
    response = client.post("/v1/recognize", files={"file": ("a", encoded_image(CRASH_WIDTH, 20))})

    assert response.status_code == 500
    assert response.json()["error"]["kind"] == "internal_error"
    assert "secret" not in response.text and "Traceback" not in response.text
    assert "secret internal detail" in caplog.text  # but the operator's log has it


def test_unknown_route_is_a_json_404(client) -> None:
    response = client.get("/v2/nothing-here")

    assert response.status_code == 404
    assert response.json()["error"]["kind"] == "not_found"


def test_wrong_method_is_a_json_405(client) -> None:
    response = client.get("/v1/recognize")

    assert response.status_code == 405
    assert response.json()["error"]["kind"] == "method_not_allowed"


def test_the_pixel_limit_in_a_message_is_the_services_not_pillows(limited_client) -> None:
    response = limited_client.post("/v1/recognize", **multipart(png_claiming(40_000, 40_000)))

    assert response.json()["error"]["message"] == (
        "the uploaded image has more pixels than the limit of 1000000"
    )


@pytest.mark.parametrize(
    "request_kwargs",
    [
        multipart(PNG, mode="x" * 500_000),
        {"json": {"image": as_data_url(PNG), "mode": "y" * 5_000_000}},
    ],
    ids=["form", "json"],
)
def test_a_huge_value_is_not_echoed_back_whole(client, request_kwargs) -> None:
    response = client.post("/v1/recognize", **request_kwargs)

    message = response.json()["error"]["message"]
    assert response.json()["error"]["kind"] == "unknown_mode"
    assert len(message) <= MAX_MESSAGE_CHARS
    assert "characters)" in message


def test_a_multipart_failure_names_its_cause(client) -> None:
    response = client.post("/v1/recognize", files={"file": ("f" * 8192 + ".png", PNG)})

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "the multipart body cannot be parsed: Invalid multipart data. "
        "(Maximum header size exceeded)"
    )


def test_an_error_message_is_cut_to_the_bound_and_says_how_long_it_was() -> None:
    from text_recognizer.api.errors import request_error

    error = request_error("invalid_request", "field " + "x" * 10_000)

    assert len(error.message) == MAX_MESSAGE_CHARS
    assert error.message.endswith("... (10006 characters)")


def test_an_unknown_mode_quotes_only_the_start_of_the_value() -> None:
    from text_recognizer.api.errors import RequestError
    from text_recognizer.api.parsing import check_mode

    with pytest.raises(RequestError) as refused:
        check_mode("sideways" * 100)

    assert str(refused.value) == (
        "unknown mode 'sidewayssidewayssidewayssidewayssideways'... (800 characters); "
        "expected one of auto, lines, paragraphs"
    )
