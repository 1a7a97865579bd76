"""Loss-ranked suites: the staged model's hardest validation examples, frozen and re-checked.

``mine`` scores every example of one split of a data set folder with a staged model, keeps the
``k`` with the highest loss, and freezes them into a committed suite file: manifest id and
SHA-256 (what the example *is*), ground truth, prediction, loss and CER (how the model did).
Each frozen image is stored beside the suite exactly as the model reads it (8-bit, already at
the model's input size, resized with the preprocessor's own resampling), so re-checking needs
neither the data set nor the generator and reproduces the recorded input bit for bit.

``check`` re-scores every frozen example and fails one whose loss or CER rose past its stored
value plus a margin; results are reported overall and per tag. Tags name suites of hard cases
("digits", "dense ink", "slanted", "long", "punctuation" are assigned automatically at mining
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
from typing import Any, Sequence

import numpy as np
import torch
from PIL import Image

from text_recognizer.errors import GoldenError
from text_recognizer.io import (
    atomic_write_bytes,
    atomic_write_text,
    encode_png,
    sha256_bytes,
    sha256_file,
)
from text_recognizer.metrics import character_error_rate
from text_recognizer.testing.changelog import ChangelogEntry

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
#: Automatic tag thresholds (see :func:`auto_tags`).
DIGITS_MIN = 3
PUNCTUATION_MIN = 4
LONG_LINE_CHARS = 48
DENSE_INK_COVERAGE = 0.12
SLANT_MIN = 0.3


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


# -- scoring ----------------------------------------------------------------------------------


def model_input_image(image: Image.Image, kind: str) -> Image.Image:
    """The 8-bit gray image the preprocessor turns into the model's input tensor.

    Re-preprocessing it is a no-op resize, so it reproduces the original's tensor exactly.
    """
    from text_recognizer.data import preprocess

    gray = preprocess.to_grayscale(image)
    size = (
        (preprocess.line_width_for(*gray.size), preprocess.LINE_HEIGHT)
        if kind == "lines"
        else preprocess.paragraph_size_for(*gray.size)
    )
    return preprocess._resized(gray, size)  # the preprocessor's own resampling


@dataclass(frozen=True)
class Score:
    """Loss (per-character mean, as training reports it), greedy prediction and its CER."""

    loss: float
    prediction: str
    cer: float


@torch.inference_mode()
def score_batch(
    model: torch.nn.Module, kind: str, images: Sequence[Image.Image], texts: Sequence[str]
) -> list[Score]:
    """Score one batch with an eager network: the training loss per sample, and greedy text.

    Lines: CTC loss divided by the label length (what ``reduction="mean"`` averages).
    Paragraphs: teacher-forced cross-entropy averaged over the label's tokens and ``<end>``.
    """
    import torch.nn.functional as F

    from text_recognizer import decoding
    from text_recognizer.data.preprocess import Preprocessor, Sample
    from text_recognizer.vocab import DEFAULT_VOCABULARY as vocab

    preprocessor = Preprocessor(kind)
    batch = preprocessor.collate(
        [
            Sample(image=preprocessor(image), text=text, id=str(i))
            for i, (image, text) in enumerate(zip(images, texts))
        ]
    )
    if kind == "lines":
        log_probs, lengths = model(batch["images"], batch["widths"])
        losses = F.ctc_loss(
            log_probs.float().transpose(0, 1),
            batch["targets"],
            lengths,
            batch["target_lengths"],
            blank=vocab.blank_index,
            reduction="none",
            zero_infinity=True,
        ) / batch["target_lengths"].clamp(min=1)
        decoded = decoding.ctc_greedy(log_probs, lengths)
    else:
        from text_recognizer.lit_models.paragraph import teacher_forcing_pair

        inputs, outputs = teacher_forcing_pair(batch["targets"], batch["target_lengths"], vocab)
        logits = model(batch["images"], inputs)
        per_token = F.cross_entropy(
            logits.float().transpose(1, 2), outputs, ignore_index=vocab.pad_index, reduction="none"
        )
        counted = (outputs != vocab.pad_index).sum(dim=1).clamp(min=1)
        losses = per_token.sum(dim=1) / counted
        # Validation's cap, 2 * label + 16 decoder positions, applied per sample: greedy rows
        # are independent, so decoding to the batch's cap and cutting each row to its own
        # gives every sample the same prediction whichever batch it is scored in.
        caps = [2 * len(text) + 15 for text in texts]  # tokens after <start>
        decoded = decoding.autoregressive_greedy(model, batch["images"], max_length=max(caps) + 1)
        predictions = [vocab.decode(item.indices[:cap]) for item, cap in zip(decoded, caps)]
        return [
            Score(float(loss), prediction, character_error_rate(prediction, text))
            for loss, prediction, text in zip(losses.tolist(), predictions, texts)
        ]
    return [
        Score(float(loss), item.text, character_error_rate(item.text, text))
        for loss, item, text in zip(losses.tolist(), decoded, texts)
    ]


def score_images(
    model: torch.nn.Module,
    kind: str,
    images: Sequence[Image.Image],
    texts: Sequence[str],
    batch_size: int = 16,
) -> list[Score]:
    """:func:`score_batch` over ``images`` in chunks of ``batch_size``."""
    scores: list[Score] = []
    for start in range(0, len(images), batch_size):
        scores += score_batch(
            model, kind, images[start : start + batch_size], texts[start : start + batch_size]
        )
    return scores


def load_kind(model_dir: str | os.PathLike, kind: str) -> Any:
    """The staged model of ``kind`` in ``model_dir`` (a staged folder or lines/ + paragraphs/)."""
    from text_recognizer.staging import load_staged, staged_folders

    folders = staged_folders(model_dir)
    if kind not in folders:
        raise GoldenError(f"{model_dir} has no staged {kind} model (it has {', '.join(folders)})")
    return load_staged(folders[kind])


# -- tags -------------------------------------------------------------------------------------


def slant(ink: np.ndarray) -> float:
    """Horizontal shear (columns per row, > 0 leaning right) that makes the strokes upright.

    The vertical-projection criterion of Vinciarelli & Luettin: after shearing, a column that
    holds one unbroken run of ink is a vertical stroke, and the shear that maximises the sum
    of squared run lengths straightens the writing. Ties go to the smaller shear.
    """
    height = ink.shape[0]
    rows, columns = np.nonzero(ink - float(np.median(ink)) > 0.4)
    if len(rows) < 10:
        return 0.0
    best, best_score = 0.0, -1.0
    for shear in np.linspace(-1.0, 1.0, 41):
        # One integer shift per row: rounding each pixel would merge neighbouring columns.
        shifted = columns + np.floor(shear * (rows - height / 2) + 0.5).astype(int)
        shifted -= shifted.min()
        size = int(shifted.max()) + 1
        count = np.bincount(shifted, minlength=size)
        top = np.full(size, height)
        np.minimum.at(top, shifted, rows)
        bottom = np.full(size, -1)
        np.maximum.at(bottom, shifted, rows)
        unbroken = (count > 0) & (count == bottom - top + 1)
        score = float((count[unbroken].astype(np.float64) ** 2).sum())
        if score > best_score + 1e-9 or (
            abs(score - best_score) <= 1e-9 and abs(shear) < abs(best)
        ):
            best, best_score = float(shear), score
    return best


def ink_coverage(ink: np.ndarray) -> float:
    """Fraction of the text band's pixels that are clearly ink (paper tone subtracted)."""
    strokes = ink - float(np.median(ink)) > 0.4
    rows = np.nonzero(strokes.any(axis=1))[0]
    if not len(rows):
        return 0.0
    return float(strokes[rows.min() : rows.max() + 1].mean())


def auto_tags(image: Image.Image, text: str) -> list[str]:
    """Tags a hard example gets automatically from its label and its model-sized image."""
    ink = 1.0 - np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    tags = []
    if sum(char.isdigit() for char in text) >= DIGITS_MIN:
        tags.append("digits")
    if sum(not char.isalnum() and not char.isspace() for char in text) >= PUNCTUATION_MIN:
        tags.append("punctuation")
    if max((len(line) for line in text.split("\n")), default=0) >= LONG_LINE_CHARS:
        tags.append("long")
    if ink_coverage(ink) >= DENSE_INK_COVERAGE:
        tags.append("dense ink")
    if abs(slant(ink)) >= SLANT_MIN:
        tags.append("slanted")
    return tags


# -- mining and freezing ----------------------------------------------------------------------


def images_folder(suite_path: str | os.PathLike) -> Path:
    """Where a suite's frozen images live: ``loss_ranked.json`` -> ``loss_ranked/``."""
    path = Path(suite_path)
    return path.with_suffix("") if path.suffix else path.with_name(path.name + "_images")


def _now() -> str:
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
        created=_now(),
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


# -- checking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExampleCheck:
    """One frozen example re-scored."""

    example: FrozenExample
    score: Score
    loss_limit: float
    cer_limit: float

    @property
    def passed(self) -> bool:
        return self.score.loss <= self.loss_limit and self.score.cer <= self.cer_limit + 1e-12

    def describe(self) -> str:
        e, s = self.example, self.score
        return (
            f"{e.id} [{', '.join(e.tags) or 'untagged'}]: loss {e.loss:.4f} -> {s.loss:.4f} "
            f"(limit {self.loss_limit:.4f}), CER {e.cer:.3f} -> {s.cer:.3f} "
            f"(limit {self.cer_limit:.3f})\n    truth: {e.text!r}\n    was:   {e.prediction!r}\n"
            f"    now:   {s.prediction!r}"
        )


@dataclass(frozen=True)
class TagResult:
    """Per-suite (per-tag) outcome."""

    tag: str
    examples: int
    failed: int
    mean_loss: float
    mean_cer: float

    @property
    def failure_rate(self) -> float:
        return self.failed / self.examples if self.examples else 0.0


@dataclass(frozen=True)
class SuiteCheck:
    """Every frozen example re-scored, with the suite's and each tag's failure rate."""

    suite: LossRankedSuite
    checks: list[ExampleCheck]

    @property
    def failures(self) -> list[ExampleCheck]:
        return [check for check in self.checks if not check.passed]

    @property
    def failure_rate(self) -> float:
        return len(self.failures) / len(self.checks) if self.checks else 0.0

    @property
    def passed(self) -> bool:
        return self.failure_rate <= self.suite.max_failure_rate

    def by_tag(self) -> list[TagResult]:
        groups: dict[str, list[ExampleCheck]] = {"all": list(self.checks)}
        for check in self.checks:
            for tag in check.example.tags:
                groups.setdefault(tag, []).append(check)
        return [
            TagResult(
                tag,
                len(group),
                sum(not check.passed for check in group),
                sum(check.score.loss for check in group) / len(group),
                sum(check.score.cer for check in group) / len(group),
            )
            for tag, group in groups.items()
        ]

    def table(self) -> str:
        rows = [f"{'suite':<14} {'n':>4} {'failed':>6} {'rate':>6} {'loss':>8} {'CER':>6}"]
        rows += [
            f"{r.tag:<14} {r.examples:>4} {r.failed:>6} {100 * r.failure_rate:>5.1f}% "
            f"{r.mean_loss:>8.4f} {r.mean_cer:>6.3f}"
            for r in self.by_tag()
        ]
        return "\n".join(rows)

    def report(self) -> str:
        lines = [self.table()]
        if self.failures:
            lines.append(f"\n{len(self.failures)} frozen example(s) got worse:")
            lines += [check.describe() for check in self.failures]
        return "\n".join(lines)


def check_suite(
    suite_path: str | os.PathLike, model_dir: str | os.PathLike, batch_size: int = 16
) -> SuiteCheck:
    """Re-score every frozen example of the suite with ``model_dir``'s model of its kind."""
    suite = read_suite(suite_path)
    if not suite.examples:
        return SuiteCheck(suite, [])
    staged = load_kind(model_dir, suite.kind)
    images = load_frozen_images(suite_path, suite)
    scores = score_images(
        staged.model, suite.kind, images, [e.text for e in suite.examples], batch_size
    )
    return SuiteCheck(
        suite,
        [
            ExampleCheck(
                example,
                score,
                example.loss * (1 + suite.loss_rtol) + suite.loss_atol,
                example.cer + suite.cer_margin,
            )
            for example, score in zip(suite.examples, scores)
        ],
    )


def refreeze(suite_path: str | os.PathLike, model_dir: str | os.PathLike, reason: str) -> Any:
    """Re-record the stored loss/prediction/CER of the same frozen examples with ``model_dir``.

    Returns the changelog entry (mean loss before and after). To pick new examples, mine again.
    """
    from text_recognizer.provenance import git_revision

    check = check_suite(suite_path, model_dir)
    old = check.suite
    examples = [
        replace(
            c.example,
            prediction=c.score.prediction,
            loss=round(c.score.loss, 6),
            cer=round(c.score.cer, 6),
        )
        for c in check.checks
    ]
    version = load_kind(model_dir, old.kind).version
    new = replace(
        old,
        examples=examples,
        model_version=version,
        created=_now(),
        git_revision=git_revision(short=True),
        reason=reason,
    )
    atomic_write_text(suite_path, new.to_json())
    changes = [
        f"{c.example.id}: loss {c.example.loss:.4f} -> {c.score.loss:.4f}, "
        f"CER {c.example.cer:.3f} -> {c.score.cer:.3f}"
        for c in check.checks
        if abs(c.example.loss - round(c.score.loss, 6)) > 1e-6
        or c.example.prediction != c.score.prediction
    ]
    return ChangelogEntry(
        file=Path(suite_path).name,
        reason=reason,
        metric="mean loss of the frozen examples",
        old_metric=_mean([e.loss for e in old.examples]),
        new_metric=_mean([e.loss for e in examples]),
        old_model=old.model_version,
        new_model=version,
        changes=changes,
    )


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
