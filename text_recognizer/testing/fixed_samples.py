"""The committed fixed samples: a dozen lines and a few paragraphs with their ground truth.

They are rendered once by the synthetic generator with a fixed seed (``text-recognizer regress
samples --out tests/regression/samples``) from the val and test splits, and stored already
scaled to the model's input size (lines 40 px high, paragraphs fitted into 512 x 512): the
preprocessor then leaves them as they are, the folder stays small, and the images are exactly
what the model reads. ``samples.json`` holds each image's ground truth and SHA-256, so an
accidentally edited image is refused instead of silently moving every golden.
"""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from text_recognizer.errors import GoldenError
from text_recognizer.io import (
    atomic_write_bytes,
    atomic_write_text,
    encode_png,
    sha256_bytes,
    sha256_file,
)

SAMPLES_FILE = "samples.json"
SAMPLES_FORMAT = 1
DEFAULT_SEED = 2026
DEFAULT_LINES = 12
DEFAULT_PARAGRAPHS = 3
GENERATE_COMMAND = "text-recognizer regress samples --out tests/regression/samples"


@dataclass(frozen=True)
class FixedSample:
    """One committed image: its id, file (relative to the samples folder), kind and label."""

    id: str
    file: str
    kind: str
    text: str
    sha256: str
    split: str
    writer: str
    source_index: int


def _model_sized(image: Image.Image, kind: str) -> Image.Image:
    """``image`` scaled (whole, margins, polarity and colour kept) so that its text block comes
    out at the size the preprocessor gives it: small files, and no detail the model never sees.
    """
    from text_recognizer.data.preprocess import (
        LINE_HEIGHT,
        LINE_MARGIN,
        PARAGRAPH_MARGIN,
        page_of,
        paragraph_size_for,
    )

    page = page_of(image)
    if page.box is None:
        return image
    top, bottom, left, right = page.box
    margin = LINE_MARGIN if kind == "lines" else PARAGRAPH_MARGIN
    pad = 2 * int(round(margin * (bottom - top)))
    block = (right - left + pad, bottom - top + pad)
    if kind == "lines":
        scale = LINE_HEIGHT / block[1]
    else:
        scale = paragraph_size_for(*block)[0] / block[0]
    scale = min(scale, 1.0)  # never enlarge: the stored sample keeps the original's detail
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS) if size != image.size else image


def generate_fixed_samples(
    out_dir: str | os.PathLike,
    seed: int = DEFAULT_SEED,
    lines: int = DEFAULT_LINES,
    paragraphs: int = DEFAULT_PARAGRAPHS,
) -> list[FixedSample]:
    """Render the first ``lines``/``paragraphs`` non-train samples of ``seed`` into ``out_dir``.

    Non-train samples mix training-font (val) and held-out-font (test) writers. Same seed and
    generator version, same bytes.
    """
    from text_recognizer.data.synthetic import (
        GENERATOR_VERSION,
        SyntheticConfig,
        render_sample,
        sample_id,
        split_for_index,
    )

    if lines < 0 or paragraphs < 0 or lines + paragraphs == 0:
        raise GoldenError(f"need a positive number of samples, got {lines} lines, {paragraphs}")
    root = Path(out_dir)
    samples: list[FixedSample] = []
    for kind, count in (("lines", lines), ("paragraphs", paragraphs)):
        config = SyntheticConfig(kind=kind, seed=seed)
        index = 0
        made = 0
        while made < count:
            if split_for_index(index, config.split_fractions) != "train":
                rendered = render_sample(config, index)
                data = encode_png(_model_sized(rendered.image, kind), optimize=True)
                identifier = sample_id(kind, index)
                atomic_write_bytes(root / f"{identifier}.png", data)
                samples.append(
                    FixedSample(
                        id=identifier,
                        file=f"{identifier}.png",
                        kind=kind,
                        text=rendered.text,
                        sha256=sha256_bytes(data),
                        split=rendered.split,
                        writer=rendered.writer,
                        source_index=index,
                    )
                )
                made += 1
            index += 1
    payload = {
        "format": SAMPLES_FORMAT,
        "command": GENERATE_COMMAND,
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "created": datetime.date.today().isoformat(),
        "samples": [asdict(sample) for sample in samples],
    }
    keep = {sample.file for sample in samples} | {SAMPLES_FILE}
    for stale in root.glob("*.png"):
        if stale.name not in keep:
            stale.unlink()
    atomic_write_text(root / SAMPLES_FILE, json.dumps(payload, indent=2) + "\n")
    return samples


def read_fixed_samples(samples_dir: str | os.PathLike, verify: bool = True) -> list[FixedSample]:
    """The fixed samples of ``samples_dir``; with ``verify``, every image must match its hash."""
    root = Path(samples_dir)
    path = root / SAMPLES_FILE
    if not path.is_file():
        raise GoldenError(
            f"no fixed samples at {root} ({SAMPLES_FILE} missing): run `{GENERATE_COMMAND}`"
        )
    try:
        payload: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        samples = [FixedSample(**item) for item in payload["samples"]]
    except (ValueError, KeyError, TypeError) as error:
        raise GoldenError(f"{path} is malformed ({error}): regenerate it with `{GENERATE_COMMAND}`")
    if verify:
        for sample in samples:
            image = root / sample.file
            if not image.is_file():
                raise GoldenError(f"fixed sample {sample.id}: {image} is missing")
            if sha256_file(image) != sample.sha256:
                raise GoldenError(
                    f"fixed sample {sample.id}: {image} does not match its SHA-256 in {path}; "
                    f"restore it from git or regenerate the set with `{GENERATE_COMMAND}`"
                )
    return samples
