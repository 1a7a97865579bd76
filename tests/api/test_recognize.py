"""POST /v1/recognize on good input: every accepted encoding, format and pixel mode."""

from __future__ import annotations

import base64

import pytest

from tests.api.fakes import encoded_image


def data_url(data: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def test_multipart_upload_returns_text_confidence_version_and_timing(client) -> None:
    response = client.post("/v1/recognize", files={"file": ("line.png", encoded_image(60, 20))})

    assert response.status_code == 200
    body = response.json()
    assert body["text"] == "60x20"
    assert 0.0 < body["confidence"] < 1.0
    assert body["model_version"] == "fake-1"
    assert body["mode"] == "auto"
    assert set(body["timing"]) == {"decode_ms", "queue_ms", "model_ms", "total_ms"}
    assert body["timing"]["total_ms"] >= body["timing"]["decode_ms"] >= 0.0


def test_json_data_url_is_read_like_a_multipart_upload(client) -> None:
    image = encoded_image(80, 30, ink=40)
    as_json = client.post("/v1/recognize", json={"image": data_url(image)}).json()
    as_file = client.post("/v1/recognize", files={"file": ("a.png", image)}).json()

    assert as_json["text"] == as_file["text"] == "80x30"
    assert as_json["confidence"] == as_file["confidence"]


def test_raw_image_body_is_accepted(client) -> None:
    response = client.post(
        "/v1/recognize", content=encoded_image(70, 25), headers={"Content-Type": "image/png"}
    )

    assert response.status_code == 200
    assert response.json()["text"] == "70x25"


@pytest.mark.parametrize(
    "send",
    [
        lambda c, img: c.post(
            "/v1/recognize", files={"file": ("a.png", img)}, data={"mode": "paragraph"}
        ),
        lambda c, img: c.post("/v1/recognize", json={"image": data_url(img), "mode": "paragraph"}),
        lambda c, img: c.post("/v1/recognize?mode=paragraph", files={"file": ("a.png", img)}),
        lambda c, img: c.post("/v1/recognize?mode=Paragraphs", files={"file": ("a.png", img)}),
    ],
    ids=["form-field", "json-field", "query-parameter", "documented-plural"],
)
def test_mode_reaches_the_recognizer_in_its_documented_spelling(client, recognizer, send) -> None:
    response = send(client, encoded_image())

    assert response.json()["mode"] == "paragraphs"
    assert response.json()["kind"] == "paragraphs"
    assert recognizer.modes == ["paragraphs"]  # the recognizer's name for the same mode


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF", "BMP", "GIF", "WEBP"])
def test_every_accepted_format_decodes(client, fmt: str) -> None:
    response = client.post(
        "/v1/recognize", files={"file": (f"a.{fmt}", encoded_image(64, 24, fmt))}
    )

    assert response.status_code == 200, response.text
    assert response.json()["text"] == "64x24"


@pytest.mark.parametrize(
    "mode, fmt",
    [
        ("1", "PNG"),
        ("P", "PNG"),
        ("RGBA", "PNG"),
        ("LA", "PNG"),
        ("I;16", "PNG"),
        ("I", "TIFF"),
        ("F", "TIFF"),
        ("CMYK", "TIFF"),
        ("CMYK", "JPEG"),
    ],
)
def test_any_pixel_mode_reaches_the_model_as_8_bit_gray(client, recognizer, mode, fmt) -> None:
    response = client.post("/v1/recognize", files={"file": ("a", encoded_image(40, 20, fmt, mode))})

    assert response.status_code == 200, response.text
    assert recognizer.image_modes == ["L"]
    assert response.json()["confidence"] > 0.1  # the dark bar survived the conversion as ink


def test_exif_orientation_is_applied_before_the_model_sees_the_image(client) -> None:
    import io

    from PIL import Image

    image = Image.new("RGB", (60, 20), "white")
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90 degrees: a phone held upright
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)

    response = client.post("/v1/recognize", files={"file": ("photo.jpg", buffer.getvalue())})

    assert response.json()["text"] == "20x60"


def test_success_response_has_exactly_the_documented_fields(client, openapi_schema) -> None:
    schema = openapi_schema["components"]["schemas"]["RecognitionResponse"]
    body = client.post("/v1/recognize", files={"file": ("a.png", encoded_image())}).json()

    assert set(body) == set(schema["properties"])
    assert set(schema["required"]) <= set(body)
