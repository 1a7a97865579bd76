"""Numeric goldens: the raw outputs of a fixed input through every backend, held to atol/rtol.

Transcription goldens only notice a change once it flips a character; these notice it at the
logits. The fixed inputs come from the committed fixed samples: the first line's leftmost
:data:`LINE_INPUT_WIDTH` columns, and the first paragraph decoded for :data:`PARAGRAPH_STEPS`
teacher-forced steps (``<start>`` and its first characters, so every backend gets the same
tokens whatever it would predict). Eager, TorchScript and ONNX are all compared with the same
recorded values, so a drift in the weights, the preprocessing or an exporter shows up here.
"""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import torch

from text_recognizer.errors import GoldenError
from text_recognizer.io import atomic_write_text
from text_recognizer.testing.changelog import REGENERATE_CLI, REGENERATE_COMMAND, ChangelogEntry
from text_recognizer.testing.fixed_samples import FixedSample

NUMERIC_FILE = "numeric.json"
LINE_INPUT_WIDTH = 64
PARAGRAPH_STEPS = 3
#: (atol, rtol) per output name. Float32 kernels on different CPUs differ by ~1e-5 after an
#: LSTM or a few attention layers; a real change (weights, a mask, preprocessing) moves the
#: log-probabilities by far more than 1e-3. Lengths are integers and must be exact.
DEFAULT_TOLERANCES: dict[str, tuple[float, float]] = {
    "log_probs": (1e-3, 1e-3),
    "lengths": (0.0, 0.0),
    "step_logits": (1e-3, 1e-3),
}


@dataclass(frozen=True)
class NumericGolden:
    """One recorded output: its shape, flattened values and comparison tolerance."""

    shape: list[int]
    values: list[float]
    atol: float
    rtol: float

    def tensor(self) -> torch.Tensor:
        return torch.tensor(self.values, dtype=torch.float64).reshape(self.shape)


@dataclass(frozen=True)
class NumericMismatch:
    """A key whose output left its tolerance (or changed shape)."""

    key: str
    backend: str
    detail: str

    def describe(self) -> str:
        return f"{self.key} [{self.backend}]: {self.detail}"


def fixed_inputs(
    samples_dir: str | os.PathLike, samples: Sequence[FixedSample]
) -> dict[str, dict[str, torch.Tensor]]:
    """Kind -> the tensors fed to that kind's network (see the module docstring)."""
    from text_recognizer.data.preprocess import Preprocessor
    from text_recognizer.vocab import DEFAULT_VOCABULARY

    inputs: dict[str, dict[str, torch.Tensor]] = {}
    for kind in ("lines", "paragraphs"):
        sample = next((s for s in samples if s.kind == kind), None)
        if sample is None:
            continue
        image = Preprocessor(kind).load(Path(samples_dir) / sample.file).unsqueeze(0)
        if kind == "lines":
            width = min(LINE_INPUT_WIDTH, image.shape[-1])
            inputs[kind] = {"images": image[..., :width], "widths": torch.tensor([width])}
        else:
            text = sample.text[: PARAGRAPH_STEPS - 1]
            tokens = [DEFAULT_VOCABULARY.start_index] + DEFAULT_VOCABULARY.encode(text).tolist()
            inputs[kind] = {"images": image, "tokens": torch.tensor([tokens])}
    return inputs


@torch.inference_mode()
def network_outputs(
    network: Any, kind: str, inputs: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """Outputs of one backend's network (the interface :class:`Recognizer` runs) on ``inputs``."""
    if kind == "lines":
        log_probs, lengths = network(inputs["images"], inputs["widths"])[:2]
        return {"lines/log_probs": log_probs, "lines/lengths": lengths}
    memory = network.encode(inputs["images"])
    cross = network.memory_keys_values(memory)
    past = None
    logits = []
    for position, token in enumerate(inputs["tokens"][0].tolist()):
        step, past = network.decode_step(torch.tensor([token]), position, cross, past)
        logits.append(step)
    return {"paragraphs/step_logits": torch.stack(logits, dim=1)}


def backend_outputs(
    model_dir: str | os.PathLike,
    backend: str,
    samples_dir: str | os.PathLike,
    samples: Sequence[FixedSample],
) -> tuple[dict[str, torch.Tensor], str]:
    """Every key's output through ``backend`` of the staged model, and the model version.

    A staged folder that keeps only ``model.pt`` (the size-limited default model) is exported
    to a temporary folder first, so its TorchScript and ONNX forms are still held to the goldens.
    """
    import tempfile

    from text_recognizer.recognizer import Recognizer

    with tempfile.TemporaryDirectory(prefix="numeric-goldens-") as scratch:
        exported = with_exports(model_dir, backend, Path(scratch))
        recognizer = Recognizer.load(exported, backend=backend)
        outputs: dict[str, torch.Tensor] = {}
        for kind, tensors in fixed_inputs(samples_dir, samples).items():
            if kind in recognizer.models:
                outputs.update(network_outputs(recognizer.models[kind].network, kind, tensors))
    return outputs, recognizer.model_version


def with_exports(model_dir: str | os.PathLike, backend: str, scratch: Path) -> Path:
    """``model_dir`` if it holds ``backend``'s files, else a copy in ``scratch`` that does."""
    import shutil

    from text_recognizer import export
    from text_recognizer.staging import is_staged_folder, load_staged, staged_folders

    def exported_files(kind: str) -> list[str]:
        if backend == "torchscript":
            return [export.TORCHSCRIPT_FILE]
        return [export.ONNX_FILE] + ([export.ONNX_DECODER_FILE] if kind == "paragraphs" else [])

    root = Path(model_dir)
    folders = staged_folders(root)
    if backend == "eager" or all(
        (folder / name).is_file()
        for kind, folder in folders.items()
        for name in exported_files(kind)
    ):
        return root
    for kind, folder in folders.items():
        copy = scratch if is_staged_folder(root) else scratch / kind
        shutil.copytree(folder, copy, dirs_exist_ok=True)
        model = load_staged(copy).model
        if backend == "torchscript":
            export.save_torchscript(model, copy / export.TORCHSCRIPT_FILE)
        else:
            export.save_onnx(model, copy)
    return scratch


def _tolerance(key: str) -> tuple[float, float]:
    return DEFAULT_TOLERANCES.get(key.rsplit("/", 1)[-1], DEFAULT_TOLERANCES["log_probs"])


def record(
    outputs: dict[str, torch.Tensor], previous: dict[str, NumericGolden] | None = None
) -> dict[str, NumericGolden]:
    """Goldens of ``outputs``; hand-set tolerances of ``previous`` are kept."""
    goldens = {}
    for key, tensor in sorted(outputs.items()):
        atol, rtol = _tolerance(key)
        if previous and key in previous:
            atol, rtol = previous[key].atol, previous[key].rtol
        values = [float(f"{value:.7g}") for value in tensor.detach().double().flatten().tolist()]
        goldens[key] = NumericGolden(list(tensor.shape), values, atol, rtol)
    return goldens


def compare(
    goldens: dict[str, NumericGolden], outputs: dict[str, torch.Tensor], backend: str
) -> list[NumericMismatch]:
    """Every key missing, reshaped or outside ``|got - want| <= atol + rtol * |want|``."""
    problems = []
    for key, golden in goldens.items():
        if key not in outputs:
            problems.append(NumericMismatch(key, backend, "no such output from this model"))
            continue
        want, got = golden.tensor(), outputs[key].detach().double().cpu()
        if list(got.shape) != golden.shape:
            problems.append(
                NumericMismatch(key, backend, f"shape {list(got.shape)} != golden {golden.shape}")
            )
            continue
        excess = (got - want).abs() - (golden.atol + golden.rtol * want.abs())
        if bool((excess > 0).any()):
            diff = (got - want).abs()
            worst = int(diff.flatten().argmax())
            problems.append(
                NumericMismatch(
                    key,
                    backend,
                    f"{int((excess > 0).sum())}/{want.numel()} values outside atol={golden.atol} "
                    f"rtol={golden.rtol}; max |diff| {float(diff.max()):.3g} at flat index {worst} "
                    f"(golden {float(want.flatten()[worst]):.6g}, got {float(got.flatten()[worst]):.6g})",
                )
            )
    return problems


def read_numeric_goldens(
    path: str | os.PathLike,
) -> tuple[dict[str, NumericGolden], dict[str, Any]]:
    """(key -> golden, metadata) of a numeric golden file; a missing file names the command."""
    path = Path(path)
    if not path.is_file():
        raise GoldenError(
            f"numeric golden file {path} is missing: create it deliberately with "
            f"`{REGENERATE_COMMAND}` (or `{REGENERATE_CLI}`)"
        )
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        keys = {key: NumericGolden(**item) for key, item in payload.pop("keys").items()}
    except (ValueError, KeyError, TypeError) as error:
        raise GoldenError(f"numeric golden file {path} is malformed ({error})") from None
    return keys, payload


def regenerate(
    reason: str,
    model_dir: str | os.PathLike,
    samples_dir: str | os.PathLike,
    samples: Sequence[FixedSample],
    goldens_dir: str | os.PathLike,
) -> tuple[Path, Any]:
    """Record eager outputs as the numeric goldens; returns the file and its changelog entry."""
    from text_recognizer.provenance import git_revision

    path = Path(goldens_dir) / NUMERIC_FILE
    previous, old_meta = read_numeric_goldens(path) if path.is_file() else ({}, {})
    outputs, version = backend_outputs(model_dir, "eager", samples_dir, samples)
    goldens = record(outputs, previous)
    payload = {
        "format": 1,
        "model_version": version,
        "inputs": {
            "lines": f"first line sample, columns 0..{LINE_INPUT_WIDTH - 1}",
            "paragraphs": f"first paragraph sample, {PARAGRAPH_STEPS} teacher-forced steps",
        },
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "git_revision": git_revision(short=True),
        "reason": reason,
        "keys": {key: asdict(golden) for key, golden in goldens.items()},
    }
    atomic_write_text(path, json.dumps(payload, indent=1) + "\n")
    changes = []
    for key, golden in goldens.items():
        old = previous.get(key)
        if old is None:
            changes.append(f"{key}: new, shape {golden.shape}")
        elif old.shape != golden.shape:
            changes.append(f"{key}: shape {old.shape} -> {golden.shape}")
        else:
            diff = float((old.tensor() - golden.tensor()).abs().max()) if golden.values else 0.0
            if diff > 0:
                changes.append(f"{key}: max |diff| {diff:.3g}")
    entry = ChangelogEntry(
        file=path.name,
        reason=reason,
        metric="max |value| over keys",
        old_metric=_magnitude(previous) if previous else None,
        new_metric=_magnitude(goldens),
        old_model=old_meta.get("model_version"),
        new_model=version,
        changes=changes,
    )
    return path, entry


def _magnitude(goldens: dict[str, NumericGolden]) -> float:
    return max((abs(value) for golden in goldens.values() for value in golden.values), default=0.0)
