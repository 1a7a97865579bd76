"""/docs and /redoc work offline: their scripts and styles come from the service, not a CDN."""

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
