"""Stage a training checkpoint: eager weights, TorchScript, ONNX, parity check, model card.

Everything is written into a temporary folder beside ``out`` and moved into place only after
the exported models matched the eager one on sample images, so a failed staging never leaves
a folder that looks deployable. Usage: ``text-recognizer stage CKPT --out DIR``.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import platform
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import torch
from PIL import Image

from text_recognizer import __version__, export, export_parity
from text_recognizer.data.preprocess import Batch, Preprocessor, Sample
from text_recognizer.errors import StagedModelError
from text_recognizer.extras import MissingExtraError, install_hint
from text_recognizer.io import atomic_write_text, sha256_file
from text_recognizer.provenance import git_revision
from text_recognizer.staging import (
    CARD_JSON,
    CARD_MARKDOWN,
    KIND_OF_MODEL,
    MODEL_FILE,
    StagedModel,
    load_staged,
    model_payload,
    parameter_count,
    plain,
)
from text_recognizer.training.model_card import RELIABILITY_FILE, card_markdown

#: Exported formats a staged folder can keep besides ``model.pt``.
FORMATS = ("torchscript", "onnx")


@dataclass(frozen=True)
class StageReport:
    """What :func:`stage` produced: the folder, its card, and the parity results."""

    folder: Path
    card: dict[str, Any]
    parity: list[export_parity.ParityResult]


def parity_images(kind: str, count: int, seed: int = 0) -> tuple[list[Image.Image], str]:
    """``count`` test-split images: synthetic handwriting (held-out fonts) or, without fonts or
    the generator, fake printed ones. Returns the images and which source made them."""
    try:
        from text_recognizer.data.synthetic import SyntheticConfig, render_sample, split_for_index

        config = SyntheticConfig(kind=kind, seed=seed)
        images: list[Image.Image] = []
        index = 0
        while len(images) < count:
            if split_for_index(index, config.split_fractions) == "test":
                images.append(render_sample(config, index).image)
            index += 1
        return images, "synthetic test split (held-out fonts)"
    except Exception as error:  # no fonts, no generator: any image exercises the export
        from text_recognizer.data.fake import render_fake

        images = [render_fake(kind, index, seed=seed, split="test")[0] for index in range(count)]
        return images, f"fake printed test images ({type(error).__name__}: {error})"


def _batch(kind: str, images: Sequence[Image.Image]) -> Batch:
    preprocessor = Preprocessor(kind)
    samples = [
        Sample(image=preprocessor(image), text="", id=str(index))
        for index, image in enumerate(images)
    ]
    return preprocessor.collate(samples)


def _onnx_installed() -> bool:
    """Whether torch's ONNX exporter can run: it needs the ``onnx`` package (export extra)."""
    return importlib.util.find_spec("onnx") is not None


def onnx_exportable(formats: Sequence[str]) -> bool:
    """Whether ONNX can be exported here. Keeping an ONNX file without the ``onnx`` package is
    an error naming the fix; otherwise staging goes on without ONNX, and the card says so."""
    if _onnx_installed():
        return True
    if "onnx" in formats:
        raise MissingExtraError(
            f"keeping the ONNX export needs the onnx package: {install_hint('onnx')}, or keep "
            "only TorchScript (--keep torchscript) or neither (--keep)"
        )
    return False


def _backends(
    staged: StagedModel, folder: Path, with_onnx: bool
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Exported callables to compare with eager, read back from the written files."""
    notes = []
    scripted = export.load_torchscript(folder / export.TORCHSCRIPT_FILE)
    parts = list(export.onnx_files(staged.model))
    backends: dict[str, dict[str, Any]] = {
        "torchscript": {name: getattr(scripted, name) for name in parts}
    }
    if not with_onnx:
        notes.append(f"onnx is not installed: no ONNX export ({install_hint('onnx')})")
        return backends, notes
    if importlib.util.find_spec("onnxruntime") is None:
        notes.append("onnxruntime is not installed: ONNX parity was not checked")
        return backends, notes
    files = export.onnx_files(staged.model)
    backends["onnx"] = {
        name: export.onnx_runner(export.onnx_session(folder / files[name])) for name in parts
    }
    return backends, notes


def _checkpoint_metadata(path: Path) -> dict[str, Any]:
    """Metrics, data and progress stored in a Lightning checkpoint (missing keys are skipped)."""
    checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    metrics: dict[str, Any] = {}
    for key, state in (checkpoint.get("callbacks") or {}).items():
        if "ModelCheckpoint" in str(key) and isinstance(state, dict):
            if state.get("monitor") and state.get("best_model_score") is not None:
                metrics[f"best {state['monitor']}"] = plain(state["best_model_score"])
    hparams = dict(checkpoint.get("hyper_parameters") or {})
    for key in ("metrics", "test_metrics"):
        if isinstance(hparams.get(key), dict):
            metrics.update(plain(hparams[key]))
    return {
        "metrics": metrics,
        "data": plain(checkpoint.get("datamodule_hyper_parameters") or hparams.get("data") or {}),
        "training": plain(
            {
                "epoch": checkpoint.get("epoch"),
                "global_step": checkpoint.get("global_step"),
                "lightning_version": checkpoint.get("pytorch-lightning_version"),
                **{
                    key: hparams[key]
                    for key in ("training_seconds", "hardware", "precision", "max_steps")
                    if key in hparams
                },
            }
        ),
        "hyper_parameters": plain(
            {key: value for key, value in hparams.items() if key != "model_config"}
        ),
    }


def _evaluate_staged(
    folder: Path, data_dir: str | os.PathLike, limit: int | None
) -> dict[str, Any]:
    """CER/WER of the model staged in ``folder`` on the test split of ``data_dir``, overall and
    per writer."""
    from text_recognizer.evaluation import evaluate_folder
    from text_recognizer.recognizer import Recognizer

    return evaluate_folder(Recognizer.load(folder), data_dir, "test", limit=limit).to_dict()


def _writers(data_dir: str | os.PathLike | None) -> dict[str, Any] | None:
    """Which writers the evaluation data's splits were written by, and the rule that chose
    them (synthetic data sets record both in ``manifest.json``)."""
    if data_dir is None:
        return None
    from text_recognizer.data.manifest import read_manifest

    metadata = read_manifest(data_dir).metadata
    if "held_out_writers" not in metadata:
        return None
    return {
        "rule": metadata.get("writer_rule", ""),
        "test": list(metadata.get("held_out_writers") or []),
        "val": list(metadata.get("val_writers") or []),
        "train": len(metadata.get("training_writers") or []),
    }


def _has_split(data_dir: str | os.PathLike, split: str) -> bool:
    from text_recognizer.data.manifest import read_manifest

    return bool(read_manifest(data_dir).split(split))


def _calibrate(folder: Path, data_dir: str | os.PathLike, limit: int | None) -> dict[str, Any]:
    """Fit the confidence temperature of the line model staged in ``folder`` on the validation
    split of ``data_dir``."""
    from text_recognizer.calibration import calibrate, validation_outputs
    from text_recognizer.recognizer import Recognizer

    outputs = validation_outputs(Recognizer.load(folder), data_dir, "val", limit)
    return calibrate(outputs, f"{data_dir} (val split, {len(outputs)} lines)")


def _write_reliability(folder: Path, evaluation: dict[str, Any]) -> None:
    """The test split's reliability diagram beside the model card."""
    from text_recognizer.calibration import CalibrationReport, ReliabilityBin
    from text_recognizer.calibration_plot import reliability_diagram
    from text_recognizer.io import atomic_write_bytes

    values = dict(evaluation["calibration"])
    for key in ("line_bins", "char_bins"):
        values[key] = [ReliabilityBin(**item) for item in values[key]]
    diagram = reliability_diagram(CalibrationReport(**values), "test split")
    atomic_write_bytes(folder / RELIABILITY_FILE, diagram)


def stage(
    checkpoint: str | os.PathLike,
    out: str | os.PathLike,
    samples: int = 4,
    seed: int = 0,
    images: Sequence[Image.Image] | None = None,
    formats: Sequence[str] = FORMATS,
    half: bool = False,
    eval_data: str | os.PathLike | None = None,
    eval_limit: int | None = None,
    calibration_data: str | os.PathLike | None = None,
    calibration_limit: int | None = 800,
) -> StageReport:
    """Stage ``checkpoint`` into folder ``out``; raises ExportParityError if exports disagree.

    Parity runs on ``images`` when given, else on ``samples`` rendered test-split images.
    Both exports are made and checked (ONNX only where the ``onnx`` package is installed, see
    :func:`onnx_exportable`); ``formats`` chooses which of them are kept
    (each repeats the weights, so a size-limited artifact may keep only ``model.pt``);
    ``half`` stores ``model.pt``'s weights as float16 (see :func:`model_payload`).
    ``eval_data`` (a data set folder) adds the staged model's CER/WER on its test split, the
    held-out fonts for synthetic data, to the card: the number a user of the model cares about,
    measured on the deployed path rather than copied from the training loop.
    ``calibration_data`` (a line data set folder; default ``eval_data`` when it has a validation
    split) fits the confidence
    temperature on its validation split (:mod:`text_recognizer.calibration`) and stores it in
    ``model.pt``; the evaluation then reports the calibrated confidences' ECE, and the folder
    gets ``reliability.png``.
    """
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise StagedModelError(f"unknown export format(s) {unknown}; choose from {FORMATS}")
    with_onnx = onnx_exportable(formats)  # before any work: a missing package fails fast
    from text_recognizer.lit_models import load_model_from_checkpoint

    started = time.perf_counter()
    checkpoint, out = Path(checkpoint), Path(out)
    if not checkpoint.is_file():
        raise StagedModelError(f"checkpoint {checkpoint} does not exist")
    if samples < 1:
        raise StagedModelError(f"--samples must be >= 1, got {samples}")
    model, hparams = load_model_from_checkpoint(checkpoint)
    kind = KIND_OF_MODEL.get(hparams["model_kind"])
    if kind is None:
        raise StagedModelError(
            f"{checkpoint} holds an unknown model kind {hparams['model_kind']!r}"
        )
    metadata = _checkpoint_metadata(checkpoint)
    version = f"{kind}-{sha256_file(checkpoint)[:12]}"
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    try:
        payload = model_payload(kind, model, metadata["metrics"], version, half=half)
        torch.save(payload, scratch / MODEL_FILE)
        staged = load_staged(scratch)  # export what inference will load, read back safely
        export.save_torchscript(staged.model, scratch / export.TORCHSCRIPT_FILE)
        if with_onnx:
            export.save_onnx(staged.model, scratch)
        if images is None:
            images, source = parity_images(kind, samples, seed)
        else:
            images, source = list(images), "caller-supplied images"
        batch = _batch(kind, images)
        backends, notes = _backends(staged, scratch, with_onnx)
        results = export_parity.check_parity(
            staged.model, batch["images"], batch["widths"], backends
        )
        single = export_parity.check_parity(
            staged.model, batch["images"][:1], batch["widths"][:1], backends
        )
        results += [
            export_parity.ParityResult(r.backend, f"{r.part} (batch 1)", r.max_abs_diff, r.passed)
            for r in single
        ]
        export_parity.require_parity(results)
        calibration = None
        if calibration_data is None and eval_data is not None and kind == "lines":
            if _has_split(eval_data, "val"):
                calibration_data = eval_data
            else:
                notes.append(f"not calibrated: {eval_data} has no validation split to fit on")
        if calibration_data is not None and kind == "lines":
            calibration = _calibrate(scratch, calibration_data, calibration_limit)
            payload = model_payload(
                kind, model, metadata["metrics"], version, half=half, calibration=calibration
            )
            torch.save(payload, scratch / MODEL_FILE)
        metrics = dict(metadata["metrics"])
        evaluation = None
        if eval_data is not None:
            evaluation = _evaluate_staged(scratch, eval_data, eval_limit)
            metrics.update(
                {
                    "test cer (staged model)": round(evaluation["cer"], 4),
                    "test wer (staged model)": round(evaluation["wer"], 4),
                    "test line ECE (staged model)": round(evaluation["calibration"]["line_ece"], 4),
                    "test char ECE (staged model)": round(evaluation["calibration"]["char_ece"], 4),
                }
            )
            _write_reliability(scratch, evaluation)
        card = {
            "name": f"text-recognizer-{kind}",
            "kind": kind,
            "model_kind": hparams["model_kind"],
            "version": version,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "git_revision": git_revision(),
            "package_version": __version__,
            "torch_version": torch.__version__,
            "architecture": type(staged.model).__name__,
            "config": staged.config,
            "parameters": parameter_count(staged.model),
            "weights_dtype": payload["weights_dtype"],
            "vocabulary_size": len(payload["vocab"]),
            "preprocessing": staged.preprocessing,
            "data": metadata["data"],
            "writers": _writers(eval_data),
            "metrics": metrics,
            "evaluation": evaluation,
            "calibration": calibration,
            "training": metadata["training"],
            "hyper_parameters": metadata["hyper_parameters"],
            "checkpoint": {"path": str(checkpoint), "sha256": sha256_file(checkpoint)},
            "staging": {
                "host": platform.node(),
                "machine": f"{platform.machine()} {platform.processor()}".strip(),
                "seconds": round(time.perf_counter() - started, 2),
            },
            "export": {
                "torchscript": export.TORCHSCRIPT_FILE,
                "onnx": export.onnx_files(staged.model) if with_onnx else {},
                "onnx_opset": export.ONNX_OPSET,
                "parity": {
                    "atol": export_parity.PARITY_ATOL,
                    "rtol": export_parity.PARITY_RTOL,
                    "samples": len(images),
                    "source": source,
                    "results": [asdict(result) for result in results],
                    "notes": notes,
                },
            },
        }
        dropped = []
        if "torchscript" not in formats:
            dropped.append(export.TORCHSCRIPT_FILE)
        if "onnx" not in formats and with_onnx:
            dropped += list(export.onnx_files(staged.model).values())
        for name in dropped:
            (scratch / name).unlink()
        card["export"]["kept"] = [name for name in FORMATS if name in formats]
        card["files"] = {
            path.name: {"bytes": path.stat().st_size, "sha256": sha256_file(path)}
            for path in sorted(scratch.iterdir())
            if path.is_file()
        }
        atomic_write_text(scratch / CARD_JSON, json.dumps(card, indent=2) + "\n")
        atomic_write_text(scratch / CARD_MARKDOWN, card_markdown(card))
        out.mkdir(parents=True, exist_ok=True)
        # model.pt last: a reader that finds it finds every other file of this staging.
        for path in sorted(scratch.iterdir(), key=lambda item: item.name == MODEL_FILE):
            os.replace(path, out / path.name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return StageReport(out, card, results)
