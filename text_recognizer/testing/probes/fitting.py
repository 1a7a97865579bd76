"""Probes of a whole short fit: the training entry point run for a few steps on fake data, so
the loss, learning rate, validation, checkpoint choice and test step are seen working together
(what no single hook shows: a schedule stepped per epoch, a loss mask, the best checkpoint)."""

from __future__ import annotations

import contextlib
import csv
import logging
import tempfile
import warnings
from pathlib import Path
from typing import Any, Iterator

from text_recognizer.testing.probes import probe

#: Each model kind's short fit: tiny preset, fake data, a warm-up shorter than the run.
CONFIGS: dict[str, dict[str, Any]] = {
    "line_ctc": {
        "model": {"kind": "line_ctc", "config": "tiny"},
        "lit": {"lr": 0.003, "warmup_steps": 2},
    },
    "paragraph_transformer": {
        "model": {"kind": "paragraph_transformer", "config": "tiny"},
        "lit": {"lr": 0.003, "warmup_steps": 2, "label_smoothing": 0.1},
    },
}
STEPS = 6


def short_fit(kind: str) -> dict[str, Any]:
    """Run :data:`STEPS` optimizer steps (validating every 3) and read back what was logged."""
    from text_recognizer.training.experiment import run

    config = {
        **CONFIGS[kind],
        "seed": 11,
        "data": {
            "module": "fake",
            "train_size": 8,
            "val_size": 3,
            "test_size": 3,
            "batch_size": 2,
            "num_workers": 0,
        },
        "trainer": {
            "accelerator": "cpu",
            "devices": 1,
            "max_steps": STEPS,
            "val_check_interval": 3,
            "check_val_every_n_epoch": None,
            "enable_model_summary": False,
            "enable_progress_bar": False,
            "log_every_n_steps": 1,
            "gradient_clip_val": 1.0,
        },
    }
    with tempfile.TemporaryDirectory(prefix="probe-fit-") as folder, _quiet_lightning():
        results = run(config, folder, logger="csv", test=True)
        rows = _metric_rows(Path(folder))
        best = Path(results["best_checkpoint"]).name if results["best_checkpoint"] else "-"
    logged: dict[str, list[float]] = {}
    for row in rows:
        for key, value in row.items():
            if key not in ("epoch", "step") and value not in ("", None):
                logged.setdefault(key.replace("/", "_"), []).append(float(value))
    return {
        "global_step": results["global_step"],
        "best_checkpoint": best,
        "best_val_cer": results["best_val_cer"],
        "test": {key.replace("/", "_"): value for key, value in results["test"].items()},
        "logged": logged,
    }


@contextlib.contextmanager
def _quiet_lightning() -> Iterator[None]:
    """Lightning's info lines and warnings silenced for the fit, and restored after it."""
    import lightning  # noqa: F401 - importing it sets its loggers' levels: do that first

    names = ("lightning", "lightning.pytorch", "lightning.fabric", "lightning_fabric")
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels):
                logger.setLevel(level)


def _metric_rows(out: Path) -> list[dict[str, str]]:
    (path,) = sorted(out.glob("logs/**/metrics.csv")) or sorted(out.glob("**/metrics.csv"))
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@probe("fitting/line_ctc_short_fit", atol=1e-3, rtol=1e-3)
def line_ctc_short_fit() -> dict[str, Any]:
    """The line model's losses, learning rates and validation/test CER over a 6-step fit."""
    return short_fit("line_ctc")


@probe("fitting/paragraph_short_fit", atol=1e-3, rtol=1e-3)
def paragraph_short_fit() -> dict[str, Any]:
    """The paragraph model's losses, learning rates and validation/test CER over a 6-step fit."""
    return short_fit("paragraph_transformer")
