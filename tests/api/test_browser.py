"""The web page in a real headless Chromium: pick an image, read its transcription on the page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.api.fakes import encoded_image

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="needs Debian's chromium (apt-get install chromium) for the browser test",
    ),
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="needs the playwright python package (pip install playwright)"
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server_url():
    pytest.importorskip("uvicorn")
    from tests.api.live_server import live_server

    with live_server() as url:
        yield url


@pytest.fixture
def page(browser, server_url):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server_url + "/")
    yield page
    context.close()


def test_picked_image_is_transcribed_on_the_page(page, tmp_path) -> None:
    image = tmp_path / "line.png"
    image.write_bytes(encoded_image(240, 40))

    page.set_input_files("#file-input", str(image))
    page.wait_for_selector("#result:not([hidden])", timeout=15_000)

    assert page.inner_text("#text") == "240x40"
    assert page.inner_text("#confidence").endswith("%")
    assert page.inner_text("#model-version") == "fake-1"


def test_bad_file_shows_the_services_error_on_the_page(page, tmp_path) -> None:
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_bytes(b"these are words, not pixels")

    page.set_input_files("#file-input", str(not_an_image))
    page.wait_for_selector("#error:not([hidden])", timeout=15_000)

    assert page.inner_text("#error").startswith("not_an_image:")
    assert page.is_hidden("#result")


def test_page_loads_no_third_party_resources(browser, server_url) -> None:
    context = browser.new_context()
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(server_url + "/")
    page.wait_for_load_state("networkidle")
    context.close()

    assert requested and all(url.startswith(server_url) for url in requested), requested
