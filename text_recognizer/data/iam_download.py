"""Fetching IAM: the official archives with a registered account, or one archive by URL (such
as FSDL's mirror, whose SHA-256 is known). Resumable and checked (:mod:`~text_recognizer.data.download`).
"""

from __future__ import annotations

import os
from pathlib import Path

from text_recognizer.data.download import (
    RemoteFile,
    basic_auth_header,
    download,
    stderr_progress,
)
from text_recognizer.errors import TextRecognizerError

#: Official files (IAM 3.0). No checksum is published; the download records what it got.
IAM_OFFICIAL_FILES: tuple[RemoteFile, ...] = (
    RemoteFile("https://fki.tic.heia-fr.ch/DBs/iamDB/data/xml.tgz", "xml.tgz"),
    RemoteFile("https://fki.tic.heia-fr.ch/DBs/iamDB/data/formsA-D.tgz", "formsA-D.tgz"),
    RemoteFile("https://fki.tic.heia-fr.ch/DBs/iamDB/data/formsE-H.tgz", "formsE-H.tgz"),
    RemoteFile("https://fki.tic.heia-fr.ch/DBs/iamDB/data/formsI-Z.tgz", "formsI-Z.tgz"),
)

#: The task split needs no account; the address cited by Kaldi's IAM recipe (egs/iam) and many
#: HTR repositories. Credentials are never sent to it (plain http).
IAM_TASK_FILE = RemoteFile(
    "http://www.fki.inf.unibe.ch/DBs/iamDB/tasks/largeWriterIndependentTextLineRecognitionTask.zip",
    "largeWriterIndependentTextLineRecognitionTask.zip",
)

#: FSDL's mirror (xml + half-size JPEG forms + task files). URL and SHA-256 from
#: the-full-stack/fsdl-text-recognizer-2022, data/raw/iam/metadata.toml.
IAM_FSDL_MIRROR = RemoteFile(
    "https://s3-us-west-2.amazonaws.com/fsdl-public-assets/iam/iamdb.zip",
    "iamdb.zip",
    sha256="f3c9e87a88a313e557c6d3548ed8a2a1af2dc3c4a678c5f3fc6f972ba4a50c55",
)

USERNAME_ENV, PASSWORD_ENV = "IAM_USERNAME", "IAM_PASSWORD"


def download_iam(
    directory: str | os.PathLike,
    url: str | None = None,
    sha256: str | None = None,
    username: str | None = None,
    password: str | None = None,
) -> list[Path]:
    """Fetch IAM into ``directory``.

    With ``url`` (e.g. :data:`IAM_FSDL_MIRROR`'s, or a copy your institution hosts) that one
    archive is fetched; its SHA-256 is checked when given or known. Without ``url`` the
    official files are fetched with HTTP basic authentication from the ``IAM_USERNAME`` /
    ``IAM_PASSWORD`` environment variables (register at the IAM site first). If the site's
    login does not accept basic authentication, download the files in a browser into
    ``directory``: ``prepare`` accepts the archives as they are.
    """
    directory = Path(directory)
    if url:
        known = IAM_FSDL_MIRROR.sha256 if url == IAM_FSDL_MIRROR.url else None
        name = url.rstrip("/").rsplit("/", 1)[-1] or "iam.zip"
        return [download(url, directory / name, sha256=sha256 or known, progress=stderr_progress)]
    username = username or os.environ.get(USERNAME_ENV)
    password = password or os.environ.get(PASSWORD_ENV)
    if not username or not password:
        raise TextRecognizerError(
            f"IAM needs a registered account: set {USERNAME_ENV} and {PASSWORD_ENV} (register at "
            "https://fki.tic.heia-fr.ch/databases/iam-handwriting-database), or pass --url with "
            f"an archive you may use, e.g. FSDL's mirror {IAM_FSDL_MIRROR.url}"
        )
    headers = basic_auth_header(username, password)
    paths = [
        download(remote.url, directory / remote.filename, headers=headers, progress=stderr_progress)
        for remote in IAM_OFFICIAL_FILES
    ]
    task = IAM_TASK_FILE
    return paths + [download(task.url, directory / task.filename, progress=stderr_progress)]
