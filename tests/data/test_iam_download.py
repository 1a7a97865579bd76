"""Fetching IAM with an account: the credentials go to the official archives only, over https;
the task split (plain http, no account needed) never sees them."""

from __future__ import annotations

from pathlib import Path

import pytest

from text_recognizer.data import iam_download


@pytest.fixture
def requests(monkeypatch) -> list[tuple[str, dict]]:
    """Each download asked for: its URL and the headers it would send."""
    asked: list[tuple[str, dict]] = []

    def fake_download(url, path, headers=None, **kwargs):
        asked.append((url, dict(headers or {})))
        return Path(path)

    monkeypatch.setattr(iam_download, "download", fake_download)
    return asked


def test_credentials_go_to_every_official_archive_over_https_and_to_nothing_else(
    requests, tmp_path
):
    iam_download.download_iam(tmp_path, username="writer", password="secret")
    official = {remote.url for remote in iam_download.IAM_OFFICIAL_FILES}
    assert {url for url, _ in requests} == official | {iam_download.IAM_TASK_FILE.url}
    for url, headers in requests:
        sends_credentials = any(name.lower() == "authorization" for name in headers)
        assert sends_credentials == (url in official), url
        assert not sends_credentials or url.startswith("https://"), url


def test_an_archive_by_url_is_fetched_without_credentials(requests, tmp_path, monkeypatch):
    monkeypatch.setenv(iam_download.USERNAME_ENV, "writer")
    monkeypatch.setenv(iam_download.PASSWORD_ENV, "secret")
    iam_download.download_iam(tmp_path, url=iam_download.IAM_FSDL_MIRROR.url)
    assert requests == [(iam_download.IAM_FSDL_MIRROR.url, {})]
