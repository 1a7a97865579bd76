"""The committed regression assets, the default staged model, and a tiny model for mechanisms.

Model-bound tests use the packaged default model (``text_recognizer/artifacts/default``). When
none is staged they FAIL with the command that stages one, unless
``TEXT_RECOGNIZER_ALLOW_NO_MODEL=1`` is set, in which case they skip (a bootstrap escape while
the default model is being trained). ``pytest tests/regression --regen-goldens --regen-reason
"..."`` rewrites the goldens from the default model before comparing.

The tests of the golden/suite *mechanisms* never need the default model: they stage a tiny
random-weight line model (``model.pt`` only, no exports) into a temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import torch

from tests.conftest import one_torch_thread
from text_recognizer.errors import GoldenError
from text_recognizer.testing import goldens
from text_recognizer.testing.fixed_samples import SAMPLES_FILE, read_fixed_samples
from text_recognizer.testing.regenerate import regenerate_goldens

REGRESSION_DIR = Path(__file__).resolve().parent
SAMPLES_DIR = REGRESSION_DIR / "samples"
GOLDENS_DIR = REGRESSION_DIR / "goldens"
SUITE_FILE = REGRESSION_DIR / "loss_ranked.json"


def committed_sample_ids() -> list[str]:
    """Ids of the committed fixed samples, read at collection time (empty if none)."""
    path = SAMPLES_DIR / SAMPLES_FILE
    if not path.is_file():
        return []
    return [item["id"] for item in json.loads(path.read_text(encoding="utf-8"))["samples"]]


@pytest.fixture(scope="session")
def default_model() -> Path:
    """The packaged staged model; fails (or, with the bootstrap env var, skips) without one."""
    try:
        return goldens.require_staged_model(None)
    except GoldenError as error:
        problem = str(error)
    if os.environ.get(goldens.ALLOW_NO_MODEL_ENV) == "1":
        pytest.skip(f"{problem} [skipped because {goldens.ALLOW_NO_MODEL_ENV}=1]")
    pytest.fail(problem, pytrace=False)


@pytest.fixture(scope="session")
def regenerated(default_model, golden_regeneration):
    """With ``--regen-goldens``: rewrite every golden from the default model, once."""
    if not golden_regeneration.enabled:
        return None
    return regenerate_goldens(
        golden_regeneration.reason, SAMPLES_DIR, GOLDENS_DIR, default_model, SUITE_FILE
    )


@pytest.fixture(scope="session")
def fixed_samples():
    try:
        return read_fixed_samples(SAMPLES_DIR)
    except GoldenError as error:
        problem = str(error)
    pytest.fail(problem, pytrace=False)


# -- a tiny random model for the mechanism tests ----------------------------------------------


def stage_tiny_lines(
    folder: Path,
    seed: int = 0,
    version: str = "lines-tiny-random",
    head_bias: dict[int, float] | None = None,
) -> Path:
    """Write a staged folder holding only ``model.pt`` of a tiny random line model.

    ``head_bias`` (token -> added logit) makes a deliberately worse model of the same seed.
    """
    from text_recognizer.models import build_model
    from text_recognizer.staging import MODEL_FILE, model_payload

    torch.manual_seed(seed)
    model = build_model("line_ctc", "tiny").eval()
    with torch.no_grad():
        for token, bias in (head_bias or {}).items():
            model.head.bias[token] += bias
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(model_payload("lines", model, {}, version), folder / MODEL_FILE)
    return folder


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A staged tiny random line model (eager only); never modified by tests."""
    return stage_tiny_lines(tmp_path_factory.mktemp("tiny-model") / "lines")


@pytest.fixture
def tiny_samples_dir(tmp_path, fixed_samples) -> Path:
    """A copy of three committed line samples with their own ``samples.json``."""
    chosen = [sample for sample in fixed_samples if sample.kind == "lines"][:3]
    folder = tmp_path / "samples"
    folder.mkdir()
    for sample in chosen:
        shutil.copy(SAMPLES_DIR / sample.file, folder / sample.file)
    payload = json.loads((SAMPLES_DIR / SAMPLES_FILE).read_text(encoding="utf-8"))
    payload["samples"] = [
        item for item in payload["samples"] if item["id"] in {s.id for s in chosen}
    ]
    (folder / SAMPLES_FILE).write_text(json.dumps(payload), encoding="utf-8")
    return folder


@pytest.fixture
def tiny_val_dir(tmp_path) -> Path:
    """A fake-printed line data set with 10 val examples (instant, no fonts needed)."""
    from text_recognizer.data.fake import write_fake_manifest

    root = tmp_path / "val"
    write_fake_manifest(root, "lines", {"train": 0, "val": 10})
    return root


@pytest.fixture(scope="session", autouse=True)
def single_torch_thread():
    """One torch thread: on a shared 2-core machine the LSTM's thread pool made a 3-line
    batch 100x slower (4 s instead of 40 ms), not faster. Session-scoped, so the session and
    module fixtures that run the default model are covered too."""
    with one_torch_thread():
        yield
