"""Committed image fixtures for memorization and sanity tests, and the script that made them.

Also the bookkeeping every memorization test shares: the history artifact (appended by every
run, not in git) and the baseline kept in the repo. Re-record the baseline after an intended
change in learning speed (or on a new kind of runner) with::

    MEMORIZATION_RECORD_BASELINE=1 .venv/bin/python -m pytest tests/testing/test_memorization.py
    MEMORIZATION_RECORD_BASELINE=1 PYTHONPATH=. python3 -m pytest -m gpu tests/testing/test_gpu_lane.py

The GPU lane runs on a stock torch + Lightning machine without the synthetic generator's fonts
or word lists, so the batches come from small PNGs kept in ``tests/fixtures/memorization/``
(clean synthetic handwriting, short texts, augmentation off) instead of being rendered at test
time. Their labels are in ``labels.json``. Regenerate them (only when the generator changes
on purpose; it moves the recorded baselines) with::

    .venv/bin/python tests/testing/memorization_fixtures.py --regenerate
"""

from __future__ import annotations

import argparse
import io
import json
import os
import warnings
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from PIL import Image

from text_recognizer.data.preprocess import Batch, Preprocessor, Sample
from text_recognizer.testing.memorize import MemorizationResult
from text_recognizer.testing.memorize_history import (
    append_history,
    history_record,
    read_baseline,
    record_baseline,
    regression_problem,
)

TESTS_DIR = Path(__file__).resolve().parent.parent
#: Both paths can be pointed elsewhere (scripts/gpu_run.sh collects them into its output folder).
HISTORY_PATH = Path(
    os.environ.get("MEMORIZATION_HISTORY") or TESTS_DIR / ".artifacts" / "memorization_history.json"
)
BASELINE_PATH = Path(
    os.environ.get("MEMORIZATION_BASELINE")
    or TESTS_DIR / "testing" / "baselines" / "memorization.json"
)
RECORD_BASELINE = os.environ.get("MEMORIZATION_RECORD_BASELINE") == "1"

FIXTURE_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "memorization"
#: Samples kept per kind: the GPU lane's batch of 16; the CPU lane takes the first 4.
FIXTURE_COUNT = 16
_SEED = 20261123
#: Gray levels kept in the PNGs: 16 levels look the same to the models and halve the bytes.
_GRAY_LEVELS = 16
_SHORT = {
    "lines": {"line_chars": (4, 12)},
    "paragraphs": {"paragraph_lines": (2, 3), "paragraph_line_chars": (6, 14)},
}


def load_batch(kind: str, size: int, shortest: bool = False) -> Batch:
    """``size`` fixtures of ``kind`` ("lines" | "paragraphs") as a collated batch: the first
    ones, or with ``shortest`` the ones with the shortest texts (narrower images, cheaper
    steps: what the CPU lane uses)."""
    labels = json.loads((FIXTURE_DIR / "labels.json").read_text(encoding="utf-8"))[kind]
    if size > len(labels):
        raise ValueError(f"only {len(labels)} {kind} fixtures, {size} requested")
    if shortest:
        labels = sorted(labels, key=lambda item: (len(item["text"]), item["id"]))
    preprocessor = Preprocessor(kind)
    samples = [
        Sample(
            image=preprocessor.load(FIXTURE_DIR / item["path"]), text=item["text"], id=item["id"]
        )
        for item in labels[:size]
    ]
    return preprocessor.collate(samples)


def shrink_paragraphs(batch: Batch, size: int) -> Batch:
    """The batch on a ``size x size`` canvas (area-averaged), for paragraph models configured
    with ``image_height = image_width = size``: same code path, a fraction of the pixels."""
    images = F.interpolate(batch["images"], size=(size, size), mode="area")
    return {**batch, "images": images, "widths": torch.full_like(batch["widths"], size)}


def device_name(device: str) -> str:
    """What ran the test, for the history: the CPU or the GPU's model name."""
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return "cpu"


def track(key: str, result: MemorizationResult, **context: Any) -> None:
    """Append ``result`` to the history, then fail on a regression past the baseline's factor.

    With ``MEMORIZATION_RECORD_BASELINE=1`` the result becomes the baseline instead. A key
    with no baseline yet only warns: the test still asserted convergence within its budget.
    """
    append_history(HISTORY_PATH, history_record(key, result, **context))
    if RECORD_BASELINE:
        record_baseline(BASELINE_PATH, key, result, **context)
        return
    baseline = read_baseline(BASELINE_PATH)
    try:
        problem = regression_problem(baseline, key, result)
    except KeyError:
        warnings.warn(
            f"no memorization baseline for {key!r} in {BASELINE_PATH}; record one with "
            "MEMORIZATION_RECORD_BASELINE=1",
            stacklevel=2,
        )
        return
    assert problem is None, problem + "\n" + result.failure_message()


def _fit_paragraph(image: Image.Image) -> Image.Image:
    """Pre-shrink a paragraph to the model canvas so the PNG stays small (preprocessing of a
    fitted image is then a plain copy)."""
    from text_recognizer.data.preprocess import paragraph_size_for

    size = paragraph_size_for(*image.size)
    return image if image.size == size else image.resize(size, Image.Resampling.BILINEAR)


def _quantized(image: Image.Image) -> Image.Image:
    step = 255 / (_GRAY_LEVELS - 1)
    return image.point(lambda value: int(round(value / step) * step))


def regenerate() -> dict[str, Any]:
    """Render the fixtures with the synthetic generator (needs its fonts and word lists)."""
    from text_recognizer.data.synthetic import SyntheticConfig, render_sample, sample_id
    from text_recognizer.io import atomic_write_bytes, atomic_write_text

    labels: dict[str, list[dict[str, str]]] = {}
    for kind, shape in _SHORT.items():
        config = SyntheticConfig(kind=kind, seed=_SEED, augment=False, **shape)
        labels[kind] = []
        index = 0
        while len(labels[kind]) < FIXTURE_COUNT:
            sample = render_sample(config, index)
            index += 1
            if sample.split != "train":
                continue
            image = _fit_paragraph(sample.image) if kind == "paragraphs" else sample.image
            name = sample_id(kind, index - 1)
            data = io.BytesIO()
            _quantized(image).save(data, format="PNG", optimize=True)
            atomic_write_bytes(FIXTURE_DIR / kind / f"{name}.png", data.getvalue())
            labels[kind].append({"id": name, "path": f"{kind}/{name}.png", "text": sample.text})
    atomic_write_text(FIXTURE_DIR / "labels.json", json.dumps(labels, indent=1) + "\n")
    return labels


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--regenerate", action="store_true", help="re-render the fixture PNGs")
    if parser.parse_args().regenerate:
        written = regenerate()
        print({kind: len(items) for kind, items in written.items()}, "fixtures in", FIXTURE_DIR)
    else:
        parser.print_help()
