"""Loss-ranked suites: the staged model's hardest validation examples, frozen and re-checked.

``mine`` scores every example of one split of a data set folder with a staged model, keeps the
``k`` with the highest loss, and freezes them into a committed suite file: manifest id and
SHA-256 (what the example *is*), ground truth, prediction, loss and CER (how the model did).
Each frozen image is stored beside the suite exactly as the model reads it (8-bit, already at
the model's input size, resized with the preprocessor's own resampling), so re-checking needs
neither the data set nor the generator and reproduces the recorded input bit for bit.

:mod:`~text_recognizer.testing.loss_ranked_check` re-scores every frozen example and fails one
whose loss or CER rose past its stored value plus a margin, overall and per tag. Tags name
suites of hard cases (:mod:`~text_recognizer.testing.loss_ranked_tags` assigns some at mining
time; users add their own with ``text-recognizer regress tag``), so a regression on, say,
slanted writing shows as that suite's failure rate. :mod:`loss_ranked_grid` draws it for people.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Sequence

from PIL import Image

from text_recognizer.errors import GoldenError
from text_recognizer.io import (
    atomic_write_bytes,
    atomic_write_text,
    encode_png,
    sha256_bytes,
    sha256_file,
)
from text_recognizer.testing.loss_ranked_scoring import load_kind, model_input_image, score_images
from text_recognizer.testing.loss_ranked_tags import auto_tags

SUITE_FORMAT = 1
DEFAULT_K = 32
#: A frozen example fails when ``loss > stored * (1 + LOSS_RTOL) + LOSS_ATOL`` or
#: ``cer > stored + CER_MARGIN``. Re-scoring the same model on the same bytes reproduces the
#: loss to ~1e-5, so these margins only trip on a real change of model or code.
DEFAULT_LOSS_RTOL = 0.10
DEFAULT_LOSS_ATOL = 0.05
DEFAULT_CER_MARGIN = 0.05
MINE_COMMAND = (
    "text-recognizer regress mine --model DIR --data VAL_DIR --k 32 "
    "--out tests/regression/loss_ranked.json --grid docs/loss_ranked.png"
)


@dataclass(frozen=True)
class FrozenExample:
    """One frozen hard example and what the model did on it when frozen."""

    id: str
    sha256: str
    file: str
    file_sha256: str
    kind: str
    text: str
    prediction: str
    loss: float
    cer: float
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LossRankedSuite:
    """A suite file: frozen examples (highest loss first), provenance and margins."""

    model_version: str
    data: str
    split: str
    kind: str
    scored: int
    examples: list[FrozenExample]
    loss_rtol: float = DEFAULT_LOSS_RTOL
    loss_atol: float = DEFAULT_LOSS_ATOL
    cer_margin: float = DEFAULT_CER_MARGIN
    max_failure_rate: float = 0.0
    created: str = ""
    git_revision: str = ""
    reason: str = ""
    format: int = SUITE_FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"


def images_folder(suite_path: str | os.PathLike) -> Path:
    """Where a suite's frozen images live: ``loss_ranked.json`` -> ``loss_ranked/``."""
    path = Path(suite_path)
    return path.with_suffix("") if path.suffix else path.with_name(path.name + "_images")


def now_utc() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def mine(
    model_dir: str | os.PathLike,
    data_dir: str | os.PathLike,
    out: str | os.PathLike,
    k: int = DEFAULT_K,
    split: str = "val",
    limit: int | None = None,
    batch_size: int = 16,
    reason: str = "mined",
) -> LossRankedSuite:
    """Score ``split`` of ``data_dir``, freeze the ``k`` highest-loss examples into ``out``.

    Tags a user added to an example that is mined again are kept.
    """
    from text_recognizer.data.manifest import read_manifest
    from text_recognizer.data.preprocess import open_image
    from text_recognizer.provenance import git_revision

    if k < 1:
        raise GoldenError(f"k must be >= 1, got {k}")
    manifest = read_manifest(data_dir)
    records = [record for record in manifest.records if record.split == split][:limit]
    if not records:
        raise GoldenError(f"{data_dir} has no {split!r} examples to mine")
    staged = load_kind(model_dir, manifest.kind)
    inputs = [model_input_image(open_image(manifest.root / r.path), manifest.kind) for r in records]
    scores = score_images(
        staged.model, manifest.kind, inputs, [r.text for r in records], batch_size
    )
    ranked = sorted(range(len(records)), key=lambda i: (-scores[i].loss, records[i].id))[:k]
    out = Path(out)
    previous = {e.id: e for e in read_suite(out).examples} if out.is_file() else {}
    folder = images_folder(out)
    if folder.is_dir():
        shutil.rmtree(folder)
    examples = []
    for index in ranked:
        record, score, image = records[index], scores[index], inputs[index]
        data = encode_png(image, optimize=True)
        relative = f"{folder.name}/{record.id}.png"
        atomic_write_bytes(out.parent / relative, data)
        tags = auto_tags(image, record.text)
        kept = previous.get(record.id)
        tags += [tag for tag in (kept.tags if kept else []) if tag not in tags]
        examples.append(
            FrozenExample(
                id=record.id,
                sha256=record.sha256,
                file=relative,
                file_sha256=sha256_bytes(data),
                kind=manifest.kind,
                text=record.text,
                prediction=score.prediction,
                loss=round(score.loss, 6),
                cer=round(score.cer, 6),
                tags=tags,
            )
        )
    suite = LossRankedSuite(
        model_version=staged.version,
        data=str(data_dir),
        split=split,
        kind=manifest.kind,
        scored=len(records),
        examples=examples,
        created=now_utc(),
        git_revision=git_revision(short=True),
        reason=reason,
    )
    atomic_write_text(out, suite.to_json())
    return suite


def read_suite(path: str | os.PathLike) -> LossRankedSuite:
    """Read a suite file; a missing one is an error naming the mining command."""
    path = Path(path)
    if not path.is_file():
        raise GoldenError(f"loss-ranked suite {path} is missing: mine it with `{MINE_COMMAND}`")
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        examples = [FrozenExample(**item) for item in payload.pop("examples")]
        return LossRankedSuite(**payload, examples=examples)
    except (ValueError, KeyError, TypeError) as error:
        raise GoldenError(f"loss-ranked suite {path} is malformed ({error})") from None


def load_frozen_images(suite_path: str | os.PathLike, suite: LossRankedSuite) -> list[Image.Image]:
    """The suite's stored images, each checked against its recorded SHA-256."""
    images = []
    for example in suite.examples:
        path = Path(suite_path).parent / example.file
        if not path.is_file():
            raise GoldenError(f"frozen example {example.id}: {path} is missing; re-mine the suite")
        if sha256_file(path) != example.file_sha256:
            raise GoldenError(
                f"frozen example {example.id}: {path} does not match its SHA-256; "
                "restore it from git or re-mine the suite"
            )
        with Image.open(path) as image:
            images.append(image.convert("L"))
    return images


def add_tags(
    suite_path: str | os.PathLike, ids: Sequence[str], tags: Sequence[str]
) -> LossRankedSuite:
    """Tag frozen examples by id (a named suite is every example with that tag)."""
    suite = read_suite(suite_path)
    known = {example.id for example in suite.examples}
    unknown = sorted(set(ids) - known)
    if unknown:
        raise GoldenError(f"no frozen example with id {', '.join(unknown)} in {suite_path}")
    examples = [
        replace(e, tags=e.tags + [t for t in tags if t not in e.tags]) if e.id in ids else e
        for e in suite.examples
    ]
    suite = replace(suite, examples=examples)
    atomic_write_text(suite_path, suite.to_json())
    return suite
