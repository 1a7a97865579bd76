"""Behavioural suites on a staged model (CheckList-style, for handwriting).

Golden transcriptions say *what* a model reads on fixed samples; these suites say how it
*behaves*: how much worse it reads when a line is rotated by 2 degrees, scaled, given wide
margins, saved as a JPEG of quality 40, made noisy, blurred, inverted or faded (invariance
suites: the CER change against the clean line), and how well it reads digits, punctuation,
capitals and long lines at all (minimum-functionality suites: the CER itself).

Each suite fails beyond its tolerance. The tolerances live in one JSON file, each with the
reason for it and, unless the pipeline promises the behaviour outright (``"kind": "spec"``),
the value measured on the model they were set for (``"kind": "measured"``: the measured value
plus the file's margin). A new model is re-measured deliberately, with a reason, by one
command (:data:`REMEASURE_COMMAND`); the suites refuse to judge a model against tolerances
measured for another.

The lines are committed images rendered clean by the synthetic generator in held-out and
validation writers (:mod:`text_recognizer.testing.behaviour_samples`), so the suites need no
fonts; the perturbations are deterministic functions of the image.
"""

from __future__ import annotations

import datetime
import io
import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from PIL import Image, ImageFilter

from text_recognizer.errors import GoldenError
from text_recognizer.io import atomic_write_text
from text_recognizer.metrics import character_error_rate

TOLERANCES_FILE = "tolerances.json"
LINES_FILE = "lines.json"
TOLERANCES_FORMAT = 1
#: The base set every invariance suite perturbs.
BASE_SET = "base"
REMEASURE_COMMAND = 'text-recognizer regress behaviour --remeasure --reason "..."'
REPORT_COMMAND = "text-recognizer regress behaviour --report docs/behaviour.png"


def _gray(image: Image.Image) -> Image.Image:
    return image.convert("L")


def rotate(degrees: float) -> Callable[[Image.Image], Image.Image]:
    """A slanted page: the line rotated about its centre, the corners filled with paper."""

    def apply(image: Image.Image) -> Image.Image:
        return _gray(image).rotate(
            degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255
        )

    return apply


def scale(factor: float) -> Callable[[Image.Image], Image.Image]:
    """Writing larger or smaller than the training data (or a scan at another resolution)."""

    def apply(image: Image.Image) -> Image.Image:
        width, height = image.size
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        return _gray(image).resize(size, Image.Resampling.LANCZOS)

    return apply


def margins(share: float) -> Callable[[Image.Image], Image.Image]:
    """A loose crop: paper around the line, ``share`` of its height on every side."""

    def apply(image: Image.Image) -> Image.Image:
        pad = max(1, round(share * image.height))
        framed = Image.new("L", (image.width + 2 * pad, image.height + 2 * pad), 255)
        framed.paste(_gray(image), (pad, pad))
        return framed

    return apply


def jpeg(quality: int) -> Callable[[Image.Image], Image.Image]:
    """A phone or a web form saved the scan as a JPEG: blocks and ringing around strokes."""

    def apply(image: Image.Image) -> Image.Image:
        buffer = io.BytesIO()
        _gray(image).save(buffer, format="JPEG", quality=quality)
        with Image.open(io.BytesIO(buffer.getvalue())) as decoded:
            return decoded.convert("L")

    return apply


def gaussian_noise(sigma: float, seed: int = 0) -> Callable[[Image.Image], Image.Image]:
    """Sensor noise of ``sigma`` grey levels (seeded: the same image gets the same noise)."""

    def apply(image: Image.Image) -> Image.Image:
        values = np.asarray(_gray(image), dtype=np.float32)
        noise = np.random.default_rng(seed).normal(0.0, sigma, values.shape)
        return Image.fromarray(np.clip(np.rint(values + noise), 0, 255).astype(np.uint8))

    return apply


def blur(radius: float) -> Callable[[Image.Image], Image.Image]:
    """Out of focus, or a soft pencil."""

    def apply(image: Image.Image) -> Image.Image:
        return _gray(image).filter(ImageFilter.GaussianBlur(radius))

    return apply


def invert(image: Image.Image) -> Image.Image:
    """Light ink on dark paper, as some archives publish their scans."""
    return Image.fromarray(255 - np.asarray(_gray(image)))


def contrast(ink: int, paper: int) -> Callable[[Image.Image], Image.Image]:
    """A faded page: black becomes ``ink`` and white ``paper`` (grey levels)."""

    def apply(image: Image.Image) -> Image.Image:
        values = np.asarray(_gray(image), dtype=np.float32) / 255.0
        return Image.fromarray(np.rint(ink + values * (paper - ink)).astype(np.uint8))

    return apply


#: Invariance suites: name -> (the perturbation, what it stands for).
PERTURBATIONS: dict[str, tuple[Callable[[Image.Image], Image.Image], str]] = {
    "rotate_plus_2": (rotate(2.0), "rotated 2 degrees anticlockwise"),
    "rotate_minus_2": (rotate(-2.0), "rotated 2 degrees clockwise"),
    "scale_0.8": (scale(0.8), "scaled to 80 %"),
    "scale_1.25": (scale(1.25), "scaled to 125 %"),
    "margins": (margins(1.0), "a line height of paper on every side"),
    "jpeg_40": (jpeg(40), "saved as JPEG, quality 40"),
    "noise": (gaussian_noise(12.0), "Gaussian noise, sigma 12 grey levels"),
    "blur": (blur(1.2), "Gaussian blur, radius 1.2 px"),
    "polarity": (invert, "light ink on dark paper"),
    "contrast": (contrast(110, 210), "faded: ink at grey 110 on paper at 210"),
}


@dataclass(frozen=True)
class BehaviourLine:
    """One committed line image of a set (``base`` or a minimum-functionality set)."""

    id: str
    file: str
    set: str
    text: str
    writer: str


@dataclass(frozen=True)
class Tolerance:
    """The most a suite may lose (``limit``: CER increase, or CER for functionality sets)."""

    limit: float
    kind: str  # "spec": promised by the pipeline; "measured": measured value + margin
    reason: str
    measured: float | None = None


@dataclass
class Tolerances:
    """The tolerance file: every suite's limit, and the model the measured ones fit."""

    model_version: str
    margin: float
    invariance: dict[str, Tolerance]
    functionality: dict[str, Tolerance]
    measured_on: str = ""
    reason: str = ""
    command: str = REMEASURE_COMMAND
    format: int = TOLERANCES_FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"


def read_lines(folder: str | os.PathLike) -> list[BehaviourLine]:
    """The committed lines of ``folder`` (see :mod:`text_recognizer.testing.behaviour_samples`)."""
    path = Path(folder) / LINES_FILE
    if not path.is_file():
        raise GoldenError(
            f"no behaviour lines at {folder} ({LINES_FILE} missing): run "
            "`text-recognizer regress behaviour-samples`"
        )
    try:
        return [BehaviourLine(**item) for item in json.loads(path.read_text("utf-8"))["lines"]]
    except (ValueError, KeyError, TypeError) as error:
        raise GoldenError(f"{path} is malformed: {error}") from None


def read_tolerances(path: str | os.PathLike) -> Tolerances:
    """The tolerance file; a clear error if it is missing or malformed."""
    try:
        payload = json.loads(Path(path).read_text("utf-8"))
        return Tolerances(
            **{
                **payload,
                "invariance": {k: Tolerance(**v) for k, v in payload["invariance"].items()},
                "functionality": {k: Tolerance(**v) for k, v in payload["functionality"].items()},
            }
        )
    except FileNotFoundError:
        raise GoldenError(f"no behaviour tolerances at {path}: run `{REMEASURE_COMMAND}`") from None
    except (ValueError, KeyError, TypeError) as error:
        raise GoldenError(f"{path} is malformed ({error}): run `{REMEASURE_COMMAND}`") from None


@dataclass(frozen=True)
class Reading:
    """One line as the model read it in a suite, clean and (for invariance) perturbed."""

    line: BehaviourLine
    prediction: str
    cer: float
    clean_prediction: str = ""
    clean_cer: float = 0.0

    @property
    def change(self) -> float:
        return self.cer - self.clean_cer


@dataclass(frozen=True)
class SuiteResult:
    """One suite's measurement against its tolerance."""

    name: str
    kind: str  # "invariance" | "functionality"
    description: str
    value: float  # CER increase (invariance) or CER (functionality) over the whole set
    tolerance: Tolerance | None
    readings: tuple[Reading, ...] = field(default=())
    clean_cer: float = 0.0  # invariance: the CER of the clean lines the change is against

    @property
    def passed(self) -> bool:
        return self.tolerance is not None and self.value <= self.tolerance.limit + 1e-9

    def describe(self) -> str:
        measure = "CER change" if self.kind == "invariance" else "CER"
        limit = "no tolerance" if self.tolerance is None else f"<= {self.tolerance.limit:.3f}"
        worst = max(self.readings, key=lambda r: r.change, default=None)
        example = (
            f"; worst {worst.line.id}: {worst.line.text!r} read {worst.prediction!r}"
            if worst is not None and not self.passed
            else ""
        )
        verdict = "ok" if self.passed else "FAILED"
        against = f" from clean {self.clean_cer:.4f}" if self.kind == "invariance" else ""
        return f"{self.name:<16} {measure} {self.value:+.4f}{against} ({limit}) {verdict}{example}"


#: Reads line images; it is also told which lines they show, which a model ignores and a test
#: double of a reader uses as its oracle.
Reader = Callable[[Sequence[Image.Image], Sequence[BehaviourLine]], list[str]]


def recognizer_reader(recognizer: Any) -> Reader:
    """Read images with a :class:`~text_recognizer.recognizer.Recognizer`'s line model."""

    def read(images: Sequence[Image.Image], lines: Sequence[BehaviourLine]) -> list[str]:
        return [p.text for p in recognizer.predict_batch(list(images), mode="lines")]

    return read


def _readings(
    read: Reader,
    lines: Sequence[BehaviourLine],
    images: Sequence[Image.Image],
    clean: Sequence[Reading] | None = None,
) -> list[Reading]:
    predictions = read(images, lines)
    readings = []
    for index, (line, text) in enumerate(zip(lines, predictions)):
        reading = Reading(line, text, character_error_rate([text], [line.text]))
        if clean is not None:
            base = clean[index]
            reading = Reading(line, text, reading.cer, base.prediction, base.cer)
        readings.append(reading)
    return readings


def _set_cer(readings: Sequence[Reading]) -> float:
    return character_error_rate([r.prediction for r in readings], [r.line.text for r in readings])


def measure(
    read: Reader,
    folder: str | os.PathLike,
    tolerances: Tolerances | None = None,
    suites: Sequence[str] | None = None,
) -> list[SuiteResult]:
    """Run every suite (or those named) on the lines of ``folder``."""
    lines = read_lines(folder)
    images = {line.id: _load(Path(folder) / line.file) for line in lines}
    base = [line for line in lines if line.set == BASE_SET]
    if not base:
        raise GoldenError(f"{folder} holds no {BASE_SET!r} lines to perturb")
    clean = _readings(read, base, [images[line.id] for line in base])
    clean_cer = _set_cer(clean)
    results = []
    for name, (perturb, description) in PERTURBATIONS.items():
        if suites and name not in suites:
            continue
        perturbed = [perturb(images[line.id]) for line in base]
        readings = _readings(read, base, perturbed, clean)
        tolerance = tolerances.invariance.get(name) if tolerances else None
        value = _set_cer(readings) - clean_cer
        results.append(
            SuiteResult(
                name, "invariance", description, value, tolerance, tuple(readings), clean_cer
            )
        )
    for name in sorted({line.set for line in lines} - {BASE_SET}):
        if suites and name not in suites:
            continue
        chosen = [line for line in lines if line.set == name]
        readings = _readings(read, chosen, [images[line.id] for line in chosen])
        tolerance = tolerances.functionality.get(name) if tolerances else None
        results.append(
            SuiteResult(
                name,
                "functionality",
                f"{len(chosen)} {name} lines",
                _set_cer(readings),
                tolerance,
                tuple(readings),
            )
        )
    return results


def _load(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("L")


def remeasured(
    previous: Tolerances, results: Sequence[SuiteResult], model_version: str, reason: str
) -> Tolerances:
    """New tolerances for ``model_version``: each measured one becomes the new value plus the
    margin (reason kept); spec ones stay as they are."""
    if not reason.strip():
        raise GoldenError("re-measuring the behaviour tolerances needs a reason")

    def updated(old: Tolerance | None, result: SuiteResult) -> Tolerance:
        if old is None:
            raise GoldenError(
                f"suite {result.name!r} has no tolerance entry: add one with its reason first"
            )
        if old.kind == "spec":
            return old
        value = round(max(0.0, result.value), 4)
        return Tolerance(round(value + previous.margin, 4), "measured", old.reason, value)

    invariance = dict(previous.invariance)
    functionality = dict(previous.functionality)
    for result in results:
        table = invariance if result.kind == "invariance" else functionality
        table[result.name] = updated(table.get(result.name), result)
    return Tolerances(
        model_version=model_version,
        margin=previous.margin,
        invariance=invariance,
        functionality=functionality,
        measured_on=datetime.date.today().isoformat(),
        reason=reason,
    )


def rejudged(results: Sequence[SuiteResult], tolerances: Tolerances) -> list[SuiteResult]:
    """The same measurements judged against other tolerances (no second reading)."""
    return [
        replace(
            result,
            tolerance=(
                tolerances.invariance if result.kind == "invariance" else tolerances.functionality
            ).get(result.name),
        )
        for result in results
    ]


def write_tolerances(path: str | os.PathLike, tolerances: Tolerances) -> Path:
    path = Path(path)
    atomic_write_text(path, tolerances.to_json())
    return path


def mismatched_model(tolerances: Tolerances, model_version: str) -> str | None:
    """Why measured tolerances cannot judge ``model_version`` (None when they can)."""
    if tolerances.model_version == model_version:
        return None
    return (
        f"the behaviour tolerances were measured for model {tolerances.model_version!r}, "
        f"not {model_version!r}: re-measure them with `{REMEASURE_COMMAND}`"
    )


def table(results: Sequence[SuiteResult]) -> str:
    """The per-suite lines people read."""
    return "\n".join(result.describe() for result in results)


def spec_limits(tolerances: Mapping[str, Tolerance]) -> dict[str, float]:
    return {name: t.limit for name, t in tolerances.items() if t.kind == "spec"}
