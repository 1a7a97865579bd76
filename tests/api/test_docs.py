"""/docs, /redoc and the upload page work offline: their scripts and styles come from the service,
not a CDN, and only the files it ships are served."""

from __future__ import annotations

import re

import pytest

ASSET = re.compile(r'(?:src|href)="([^"]+)"')


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_every_asset_from_the_service_itself(client, page: str) -> None:
    html = client.get(page).text

    assets = ASSET.findall(html)
    assert assets and all(url.startswith("/docs-assets/") for url in assets), assets
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200 and len(response.content) > 1000, url


def test_an_unknown_docs_asset_is_a_json_404(client) -> None:
    response = client.get("/docs-assets/../../etc/passwd")

    assert response.status_code == 404
    assert response.json()["error"]["kind"] == "not_found"


def test_a_docs_asset_name_the_service_does_not_ship_is_a_json_404_naming_it(client) -> None:
    response = client.get("/docs-assets/evil.js")

    assert response.status_code == 404
    assert response.json()["error"]["kind"] == "not_found"
    assert "no docs asset 'evil.js'" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("name", "media_type"), [("app.js", "text/javascript"), ("app.css", "text/css")]
)
def test_the_upload_pages_static_files_are_served_with_their_media_type(client, name, media_type):
    response = client.get(f"/static/{name}")

    assert response.status_code == 200 and len(response.content) > 100
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"


def test_a_static_file_the_service_does_not_ship_is_a_json_404_naming_it(client) -> None:
    response = client.get("/static/secrets.txt")

    assert response.status_code == 404
    assert "no static file 'secrets.txt'" in response.json()["error"]["message"]
